package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// An erasure while the bot runs cannot rewrite the open file: it marks it,
// and CompactIfPending at the next start rewrites it so that no freed page
// keeps the erased bytes, and removes the mark. Without a mark it does
// nothing.
func TestCompactIfPending(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	fillPeople(t, st)
	if err := st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ErasePerson(marcus, "dashboard", t0.Add(time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := store.MarkCompactPending(path); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	done, err := store.CompactIfPending(path)
	if err != nil || !done {
		t.Fatalf("CompactIfPending with a mark: %v, %v", done, err)
	}
	if _, err := os.Stat(store.CompactPending(path)); !os.IsNotExist(err) {
		t.Errorf("the mark stays after compaction: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(raw), []byte("marcus")) {
		t.Error("the compacted file still holds the erased person")
	}
	before, _ := os.Stat(path)
	if done, err := store.CompactIfPending(path); err != nil || done {
		t.Errorf("CompactIfPending without a mark: %v, %v", done, err)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(before.ModTime()) {
		t.Error("the file was rewritten without a mark")
	}
}
