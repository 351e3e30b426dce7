package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/nudgebot/nudgebot/store"
)

// Releasing the mapped pages, even in the middle of a write transaction
// whose modified nodes still point into the mapping, loses and changes
// nothing: every statement reads back as written, after a reopen too.
func TestReleaseMapped_KeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	id := func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i*2654435761%(1<<32), i) }
	const n = 6000
	for from := 0; from < n; from += 1000 {
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			for i := from; i < from+1000; i++ {
				if err := tx.PutStatement(&store.Statement{ID: id(i), Source: "lms", Hash: fmt.Sprint(i), Status: store.StatementUnmapped}); err != nil {
					return err
				}
				if i%500 == 0 {
					tx.ReleaseMapped()
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.View(func(tx *store.Tx) error { tx.ReleaseMapped(); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	check := func(st *store.Store) {
		t.Helper()
		err := st.View(func(tx *store.Tx) error {
			for i := range n {
				s, err := tx.Statement(id(i))
				if err != nil || s == nil || s.Hash != fmt.Sprint(i) {
					return fmt.Errorf("statement %d: %+v %v", i, s, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	check(MustOpen(t, path))
}
