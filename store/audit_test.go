package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nudgebot/nudgebot/store"
)

// The audit log survives a restart, pages newest first, and a file written
// before it existed reads as empty.
func TestAudit_DurableNewestFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	var got []string
	read := func(st *store.Store, skip int) {
		got = nil
		if err := st.View(func(tx *store.Tx) error {
			return tx.AuditNewest(skip, func(e store.Audit) bool { got = append(got, e.Action); return true })
		}); err != nil {
			t.Fatal(err)
		}
	}
	if read(st, 0); len(got) != 0 {
		t.Fatalf("a new file has audit entries: %v", got)
	}
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, a := range []string{"pause", "resume", "erase"} {
		if err := st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.AddAudit(store.Audit{At: at, Actor: "ld@example.com", Action: a, Result: "ok"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	st = MustOpen(t, path)
	if read(st, 1); len(got) != 2 || got[0] != "resume" || got[1] != "pause" {
		t.Fatalf("audit after restart, skipping one: %v", got)
	}
}

func TestAudit_DamagedRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.AddAudit(store.Audit{At: time.Unix(1, 0), Action: "pause"})
	})
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("audit")).ForEach(func(k, v []byte) error { return tx.Bucket([]byte("audit")).Put(k, []byte("{not json")) })
	})
	db.Close()
	st = MustOpen(t, path)
	err = st.View(func(tx *store.Tx) error { return tx.AuditNewest(0, func(store.Audit) bool { return true }) })
	if !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("damaged audit record: %v, want ErrDamaged", err)
	}
}
