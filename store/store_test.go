package store_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nudgebot/nudgebot/store"
)

func MustOpen(tb testing.TB, path string) *store.Store {
	tb.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestOpen_SecondProcessFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	MustOpen(t, path)
	_, err := store.Open(path, store.Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestOpen_ReadOnlyNeedsAFile(t *testing.T) {
	_, err := store.Open(filepath.Join(t.TempDir(), "none.db"), store.Options{ReadOnly: true})
	if !errors.Is(err, store.ErrNoStore) {
		t.Fatalf("got %v, want ErrNoStore", err)
	}
}

func TestOpen_Migrations(t *testing.T) {
	t.Run("FromEmptyFile", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := bolt.Open(path, 0o600, nil) // a file with no schema at all
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		st := MustOpen(t, path)
		if err := st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.AddLog(&store.Log{ID: "r1", Manager: "m", CreatedAt: time.Now()})
		}); err != nil {
			t.Fatalf("migrated file not writable: %v", err)
		}
	})
	t.Run("RefusesNewer", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.db")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("meta"))
			return b.Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
		})
		db.Close()
		if _, err := store.Open(path, store.Options{}); !errors.Is(err, store.ErrTooNew) {
			t.Fatalf("got %v, want ErrTooNew", err)
		}
	})
}

func TestWrite_OneBadWriteDoesNotFailOthers(t *testing.T) {
	st := MustOpen(t, filepath.Join(t.TempDir(), store.FileName))
	ctx := context.Background()
	bad := errors.New("invalid reply")
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			errs[i] = st.Write(ctx, func(tx *store.Tx) error {
				if err := tx.AddLog(&store.Log{ID: string(rune('A' + i)), Manager: "m", CreatedAt: time.Unix(int64(i), 0)}); err != nil {
					return err
				}
				if i%8 == 0 {
					return bad // after a write: the whole function must roll back
				}
				return nil
			})
		})
	}
	wg.Wait()
	n := 0
	st.View(func(tx *store.Tx) error {
		return tx.Logs(func(*store.Log) error { n++; return nil })
	})
	for i, err := range errs {
		if (i%8 == 0) != errors.Is(err, bad) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if n != 56 {
		t.Fatalf("%d logs stored, want the 56 good ones", n)
	}
}

func TestWrite_DuplicateLogRefused(t *testing.T) {
	st := MustOpen(t, filepath.Join(t.TempDir(), store.FileName))
	l := &store.Log{ID: "evt", Manager: "m", CreatedAt: time.Now()}
	add := func(tx *store.Tx) error { return tx.AddLog(l) }
	if err := st.Write(context.Background(), add); err != nil {
		t.Fatal(err)
	}
	if err := st.Write(context.Background(), add); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second add: %v, want ErrDuplicate", err)
	}
}

func TestClose_Idempotent(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if err := st.Write(context.Background(), func(*store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestItems_StateCountsAndTransitions(t *testing.T) {
	st := MustOpen(t, filepath.Join(t.TempDir(), store.FileName))
	ctx := context.Background()
	it := &store.Item{ID: "n1", Manager: "m", State: store.Pending, NextAttempt: time.Unix(100, 0)}
	step := func(s store.State) error {
		return st.Write(ctx, func(tx *store.Tx) error { it.State = s; return tx.PutItem(it) })
	}
	for _, s := range []store.State{store.Pending, store.Sending, store.Sent} {
		if err := step(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := step(store.Pending); !errors.Is(err, store.ErrInvalidTransition) {
		t.Fatalf("sent → pending: %v, want ErrInvalidTransition", err)
	}
	c, _ := st.Counts()
	if c[store.Sent] != 1 || c[store.Pending] != 0 || c[store.Sending] != 0 {
		t.Fatalf("counts %v", c)
	}
	st.View(func(tx *store.Tx) error {
		if r, _ := tx.Ready(time.Unix(1000, 0), 10); len(r) != 0 {
			t.Errorf("a sent item is still ready: %v", r)
		}
		if f, _ := tx.InFlight(); len(f) != 0 {
			t.Errorf("a sent item is still in flight: %v", f)
		}
		return nil
	})
}

func TestOpen_MigratesSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	// A schema-1 file: the first buckets, one open nudge in the outbox.
	st := MustOpen(t, path)
	ctx := context.Background()
	if err := st.Write(ctx, func(tx *store.Tx) error {
		return tx.PutItem(&store.Item{ID: "n1", Manager: "ann", Kind: "checkin", State: store.Sent})
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		tx.DeleteBucket([]byte("idents"))
		tx.DeleteBucket([]byte("open"))
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	})
	db.Close()

	st = MustOpen(t, path)
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetIdentity("slack-user", "ann@example.com", "U1") }); err != nil {
		t.Fatalf("identity bucket missing after migration: %v", err)
	}
	st.View(func(tx *store.Tx) error {
		open, err := tx.OpenItems("ann")
		if err != nil || len(open) != 1 || open[0].ID != "n1" {
			t.Errorf("open index not rebuilt from the outbox: %v %v", open, err)
		}
		return nil
	})
}

// Claim moves ready items to sending without rewriting their records: every
// reader, and a restart, must still see them as sending, and settling them
// must leave the indexes and counters as a full rewrite would.
func TestClaim_ItemsReadAsSendingUntilSettled(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	ctx := context.Background()
	at := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	if err := st.Write(ctx, func(tx *store.Tx) error {
		for _, it := range []*store.Item{
			{ID: "b", Manager: "ann", Kind: "checkin", State: store.Pending, NextAttempt: at(100)},
			{ID: "a", Manager: "ann", Kind: "pledge", State: store.Pending, NextAttempt: at(200)},
			{ID: "later", Manager: "ann", Kind: "checkin", State: store.Pending, NextAttempt: at(900)},
		} {
			if err := tx.PutItem(it); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var claimed []*store.Item
	if err := st.Write(ctx, func(tx *store.Tx) (err error) {
		claimed, err = tx.Claim(at(500), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 || claimed[0].ID != "b" || claimed[1].ID != "a" || claimed[0].State != store.Sending {
		t.Fatalf("claimed %+v, want b then a, sending", claimed)
	}
	st.Close()
	st = MustOpen(t, path) // a crash right after the claim
	check := func(when string, wantSending []string, want map[store.State]uint64) {
		t.Helper()
		st.View(func(tx *store.Tx) error {
			var flight []string
			f, _ := tx.InFlight()
			for _, it := range f {
				flight = append(flight, it.ID)
				if it.State != store.Sending {
					t.Errorf("%s: in-flight %s reads as %s", when, it.ID, it.State)
				}
			}
			if strings.Join(flight, ",") != strings.Join(wantSending, ",") {
				t.Errorf("%s: in flight %v, want %v", when, flight, wantSending)
			}
			if r, _ := tx.Ready(at(500), 10); len(r) != 0 {
				t.Errorf("%s: %d items still ready", when, len(r))
			}
			return nil
		})
		c, _ := st.Counts()
		for s, n := range want {
			if c[s] != n {
				t.Errorf("%s: %d %s, want %d (counts %v)", when, c[s], s, n, c)
			}
		}
	}
	check("after the claim", []string{"a", "b"}, map[store.State]uint64{store.Pending: 1, store.Sending: 2})
	if err := st.Write(ctx, func(tx *store.Tx) error {
		for id, s := range map[string]store.State{"a": store.Sent, "b": store.Pending} {
			cur, err := tx.Item(id)
			if err != nil {
				return err
			}
			next := *cur
			next.State, next.NextAttempt = s, at(600)
			if err := tx.UpdateItem(cur, &next); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after settling", nil, map[store.State]uint64{store.Pending: 2, store.Sending: 0, store.Sent: 1})
	st.View(func(tx *store.Tx) error {
		if r, _ := tx.Ready(at(600), 10); len(r) != 1 || r[0].ID != "b" || r[0].State != store.Pending {
			t.Errorf("the retried item is not ready again: %+v", r)
		}
		if open, _ := tx.OpenItems("ann"); len(open) != 1 || open[0].ID != "a" {
			t.Errorf("open nudges %+v, want the sent one", open)
		}
		return nil
	})
}

// A file from the first release stored outbox items and due rows as JSON
// under schema 1: it must open, migrate and read back.
func TestOpen_FirstReleaseJSONRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1json.db")
	st := MustOpen(t, path)
	st.Close()
	at := time.Date(2026, 6, 2, 8, 30, 0, 0, time.UTC)
	item, _ := json.Marshal(store.Item{ID: "n1", Manager: "ann", Kind: "checkin", State: store.Sent, ScheduledAt: at, NextAttempt: at, SentAt: at})
	due, _ := json.Marshal(store.Due{At: at.Add(time.Hour), ID: "n2", Manager: "ann", Kind: "pledge"})
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		tx.DeleteBucket([]byte("idents"))
		tx.DeleteBucket([]byte("open"))
		if err := tx.Bucket([]byte("outbox")).Put([]byte("n1"), item); err != nil {
			return err
		}
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], uint64(at.Add(time.Hour).UnixNano()))
		if err := tx.Bucket([]byte("due")).Put(append(k[:], "n2"...), due); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st = MustOpen(t, path)
	st.View(func(tx *store.Tx) error {
		if open, err := tx.OpenItems("ann"); err != nil || len(open) != 1 || open[0].ID != "n1" || !open[0].SentAt.Equal(at) {
			t.Errorf("JSON outbox item after migration: %+v %v", open, err)
		}
		if _, rows, err := tx.DueBy(at.Add(2*time.Hour), 10); err != nil || len(rows) != 1 || rows[0].ID != "n2" {
			t.Errorf("JSON due row: %+v %v", rows, err)
		}
		return nil
	})
}
