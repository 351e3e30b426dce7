package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// A Write that passed its closed check just before Close ran used to find
// the queue still open after the writer loop had drained it for the last
// time, enqueue, and wait forever for an answer. The hook closes the store
// exactly in that window; each round used to hang with even odds.
func TestWrite_RacingCloseReturnsErrClosed(t *testing.T) {
	for i := range 40 {
		st, err := Open(filepath.Join(t.TempDir(), FileName), Options{})
		if err != nil {
			t.Fatal(err)
		}
		testHookWrite = func() { st.Close() }
		done := make(chan error, 1)
		go func() { done <- st.Write(context.Background(), func(*Tx) error { return nil }) }()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		select {
		case err = <-done:
		case <-ctx.Done():
			t.Fatalf("round %d: Write racing Close never returned", i)
		}
		cancel()
		testHookWrite = func() {}
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("round %d: Write after Close: %v, want ErrClosed", i, err)
		}
	}
}
