package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// The audit log survives a restart, lists newest first, and a file written
// before it existed reads as empty.
func TestAudit_DurableNewestFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	var got []string
	read := func(st *store.Store, skip int) {
		got = nil
		if err := st.View(func(tx *store.Tx) error {
			return tx.Audit(skip, func(e store.AuditEntry) bool { got = append(got, e.Action); return true })
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
			return tx.AddAudit(store.AuditEntry{At: at, Actor: "ld@example.com", Action: a, Result: "ok"})
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
		return tx.AddAudit(store.AuditEntry{At: time.Unix(1, 0), Action: "pause"})
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
	err = st.View(func(tx *store.Tx) error { return tx.Audit(0, func(store.AuditEntry) bool { return true }) })
	if !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("damaged audit record: %v, want ErrDamaged", err)
	}
}

// Erasing a person removes their logs as a manager and the logs about them
// as a learner, their memory and first applications, and nobody else's.
func TestErasePerson(t *testing.T) {
	st := MustOpen(t, filepath.Join(t.TempDir(), store.FileName))
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		for _, l := range []*store.Log{
			{ID: "r1", Manager: "ann", Learner: "lia", Kind: "checkin", CreatedAt: at},
			{ID: "r2", Manager: "bob", Learner: "lia", Kind: "checkin", CreatedAt: at},
			{ID: "r3", Manager: "bob", Learner: "max", Kind: "checkin", CreatedAt: at},
			{ID: "r4", Manager: "lia", Kind: "note", CreatedAt: at},
		} {
			if err := tx.AddLog(l); err != nil {
				return err
			}
		}
		if err := tx.PutManagerState("lia", store.ManagerState{Streak: 2}); err != nil {
			return err
		}
		return tx.SetFirstApplication("p", "lia", store.FirstApplication{Date: nudges.DateOf(at), Manager: "ann", Log: "r1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var p *store.PersonData
	if err := st.View(func(tx *store.Tx) (err error) { p, err = tx.Person("lia"); return err }); err != nil {
		t.Fatal(err)
	}
	if len(p.Logs) != 3 || p.State == nil || p.FirstApplications["p"].Log != "r1" {
		t.Fatalf("person before erasure: %+v", p)
	}
	var n int
	if err := st.Write(context.Background(), func(tx *store.Tx) (err error) { n, err = tx.ErasePerson("lia"); return err }); err != nil || n != 5 {
		t.Fatalf("erase: %d, %v", n, err)
	}
	var left []string
	st.View(func(tx *store.Tx) error {
		p, _ = tx.Person("lia")
		return tx.Logs(func(l *store.Log) error { left = append(left, l.ID); return nil })
	})
	if len(p.Logs) != 0 || p.State != nil || len(p.FirstApplications) != 0 || len(left) != 1 || left[0] != "r3" {
		t.Fatalf("after erasure: %+v, logs left %v", p, left)
	}
	// A redelivered reply that was erased stays a duplicate.
	err = st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.AddLog(&store.Log{ID: "r1", Manager: "ann", Learner: "lia", CreatedAt: at})
	})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("erased reply stored again: %v", err)
	}
}
