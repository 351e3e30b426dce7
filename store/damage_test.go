package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// seedFile writes a data file with every kind of record, spread over enough
// pages to have branch pages, and returns its bytes.
func seedFile(tb testing.TB) []byte {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), store.FileName)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	if _, err := st.FirstRun(ctx, nudges.Date{Year: 2026, Month: 6, Day: 1}); err != nil {
		tb.Fatal(err)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		for i := range 600 {
			m := fmt.Sprintf("m%03d", i%50)
			if _, err := tx.AddDue(store.Due{At: at.Add(time.Duration(i) * time.Minute), ID: fmt.Sprint("d", i), Manager: m, Kind: nudges.KindCheckIn}); err != nil {
				return err
			}
			if err := tx.PutItem(&store.Item{ID: fmt.Sprint("n", i), Manager: m, Kind: nudges.KindCheckIn, State: store.Pending, ScheduledAt: at, NextAttempt: at}); err != nil {
				return err
			}
			if err := tx.AddLog(&store.Log{ID: fmt.Sprint("r", i), Manager: m, Kind: "checkin", CreatedAt: at.Add(time.Duration(i) * time.Second),
				Minutes: 10, Answers: map[string]string{"tried": "the opening line", "next_action": "again"}}); err != nil {
				return err
			}
			if err := tx.PutManagerState(m, store.ManagerState{Streak: i, LastCheckIn: &store.CheckInRecall{Member: "x", Action: "y", At: at}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// usedSize is how much of a bbolt file holds pages: its high-water mark
// times the page size, from the newer meta page.
func usedSize(raw []byte) int {
	const ps = 4096
	hwm := func(p []byte) (uint64, uint64) {
		return binary.NativeEndian.Uint64(p[16+40:]), binary.NativeEndian.Uint64(p[16+48:])
	}
	h0, tx0 := hwm(raw)
	h1, tx1 := hwm(raw[ps:])
	if tx1 > tx0 {
		h0 = h1
	}
	return int(h0) * ps
}

// exercise reads every record and writes one, as the commands do. Each
// step must succeed or report ErrDamaged.
func exercise(path string) error {
	st, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Counts(); err != nil {
		return err
	}
	if _, _, err := st.ReadFirstRun(); err != nil {
		return err
	}
	if err := st.View(func(tx *store.Tx) error {
		if _, _, err := tx.DueBy(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 1000); err != nil {
			return err
		}
		if _, err := tx.Ready(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 1000); err != nil {
			return err
		}
		if err := tx.Items(func(*store.Item) error { return nil }); err != nil {
			return err
		}
		return tx.Logs(func(*store.Log) error { return nil })
	}); err != nil {
		return err
	}
	if _, err := st.Verify(context.Background()); err != nil {
		return err
	}
	return st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ManagerState("m001")
		if err == nil {
			err = tx.AddLog(&store.Log{ID: "new", Manager: "m001", Kind: "note"})
		}
		return err
	})
}

// withDeadline runs fn, failing the test if it does not return: a damaged
// file once made the writer spin forever.
func withDeadline(t *testing.T, fn func() error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		t.Fatal("hung on a damaged file")
		return nil
	}
}

func TestOpen_EmptyFileIsDamagedNotAFirstRun(t *testing.T) {
	for _, ro := range []bool{false, true} {
		t.Run(fmt.Sprint("ReadOnly=", ro), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), store.FileName)
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := store.Open(path, store.Options{ReadOnly: ro})
			if !errors.Is(err, store.ErrEmpty) || !errors.Is(err, store.ErrDamaged) {
				t.Fatalf("got %v, want ErrEmpty", err)
			}
			if fi, _ := os.Stat(path); fi.Size() != 0 {
				t.Errorf("the empty file was written: %d bytes", fi.Size())
			}
		})
	}
}

// Every truncation and a sample of byte flips either still works or fails
// with ErrDamaged: never a fault, a panic or a hang.
func TestDamagedFile_ErrorNotCrash(t *testing.T) {
	good := seedFile(t)
	used := usedSize(good)
	r := rand.New(rand.NewPCG(1, 2))
	type damage struct {
		name      string
		raw       []byte
		truncated bool // bytes in use are gone: must be an error
	}
	var cases []damage
	for _, n := range []int{1, 100, 4096, 8191, 8192, 3 * 4096, used / 2, used - 4096, used - 1} {
		cases = append(cases, damage{fmt.Sprint("truncated to ", n), good[:n], true})
	}
	for i := range 40 {
		raw := append([]byte(nil), good...)
		off := r.IntN(used) // bbolt grows the file ahead of use: flip used bytes
		raw[off] ^= byte(1 + r.IntN(255))
		cases = append(cases, damage{fmt.Sprintf("flip %d at %d", i, off), raw, false})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), store.FileName)
			if err := os.WriteFile(path, c.raw, 0o600); err != nil {
				t.Fatal(err)
			}
			err := withDeadline(t, func() error { return exercise(path) })
			if err != nil && !errors.Is(err, store.ErrDamaged) || c.truncated && err == nil {
				t.Fatalf("got %v, want ErrDamaged (or nil after a flip)", err)
			}

		})
	}
}

// A branch page that points back at itself made bbolt loop forever.
func TestDamagedFile_PageCycleIsAnError(t *testing.T) {
	raw := seedFile(t)
	const ps = 4096
	found := false
	for id := 2; id < len(raw)/ps && !found; id++ {
		p := raw[id*ps:]
		if binary.NativeEndian.Uint16(p[8:]) != 0x01 { // branch
			continue
		}
		binary.NativeEndian.PutUint64(p[16+8:], uint64(id)) // first child := itself
		found = true
	}
	if !found {
		t.Fatal("no branch page in the seeded file")
	}
	path := filepath.Join(t.TempDir(), store.FileName)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := withDeadline(t, func() error { return exercise(path) }); !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("got %v, want ErrDamaged", err)
	}
}

// A panic in the caller's own code inside a transaction is a bug, not
// damage: it must keep panicking, not turn into "restore from a backup".
func TestView_CallerPanicIsNotDamage(t *testing.T) {
	st := MustOpen(t, filepath.Join(t.TempDir(), store.FileName))
	defer func() {
		if r := recover(); r != "a bug of ours" {
			t.Fatalf("recovered %v, want the caller's panic", r)
		}
		if err := st.Err(); err != nil {
			t.Errorf("store marked %v after a caller's panic", err)
		}
	}()
	st.View(func(*store.Tx) error { panic("a bug of ours") })
	t.Fatal("View returned")
}

// A schema number no release will reach is changed bytes, not a file from
// a newer nudgebot (which would send the operator looking for an upgrade).
func TestOpen_ImplausibleSchemaIsDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 73014444034))
	})
	db.Close()
	if _, err := store.Open(path, store.Options{ReadOnly: true}); !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("got %v, want ErrDamaged", err)
	}
}

// A first-run date whose bytes changed is damage, whichever command reads it.
func TestFirstRun_UndecodableDateIsDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st := MustOpen(t, path)
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("first_run"), []byte("2026-11-\x915"))
	})
	db.Close()
	st = MustOpen(t, path)
	if _, _, err := st.ReadFirstRun(); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("ReadFirstRun: %v, want ErrDamaged", err)
	}
	if _, err := st.FirstRun(context.Background(), nudges.Date{Year: 2026, Month: 12, Day: 1}); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("FirstRun: %v, want ErrDamaged", err)
	}
}
