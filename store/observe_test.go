package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// The observer hears of what landed, once, after the commit: logs added,
// items queued or settled, erasures; not a claim that only moves an item
// through delivery, and nothing of a transaction that was rolled back.
func TestObserve_OnlyCommittedFacts(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var seen []string
	st.Observe(func(c store.Commit) {
		for _, l := range c.Logs {
			seen = append(seen, "log "+l.ID)
		}
		for _, it := range c.Items {
			seen = append(seen, "item "+it.Item.ID+" "+string(it.Item.State))
		}
		for _, a := range c.Applications {
			seen = append(seen, "applied "+a.Learner+" "+a.Date.String())
		}
		if c.Reset {
			seen = append(seen, "reset")
		}
		if c.ItemsRemoved {
			seen = append(seen, "items removed")
		}
	})
	ctx := context.Background()
	at := time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC)
	write := func(fn func(*store.Tx) error) error { return st.Write(ctx, fn) }
	if err := write(func(tx *store.Tx) error {
		return tx.PutItem(&store.Item{ID: "n1", Manager: "ann", State: store.Pending, ScheduledAt: at, NextAttempt: at})
	}); err != nil {
		t.Fatal(err)
	}
	if err := write(func(tx *store.Tx) error {
		_, err := tx.Claim(at, 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := write(func(tx *store.Tx) error {
		if err := tx.AddLog(&store.Log{ID: "r-lost", Manager: "ann", Kind: "note", CreatedAt: at}); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("rolled-back write: %v", err)
	}
	if err := write(func(tx *store.Tx) error {
		return tx.AddLog(&store.Log{ID: "r1", Manager: "ann", Kind: "note", CreatedAt: at})
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first application stays first: the second changes nothing
		if err := write(func(tx *store.Tx) error {
			return tx.SetFirstApplication("p1", "lee", store.FirstApplication{Date: nudges.DateOf(at), Manager: "ann", Log: "r1"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Retention finding nothing old enough is no news; retention removing
	// a log is (logs, not items).
	for _, cut := range []time.Time{at.Add(-time.Hour), at.Add(time.Hour)} {
		if err := write(func(tx *store.Tx) error {
			_, err := tx.DeleteLogsBefore(cut, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := write(func(tx *store.Tx) error {
		_, err := tx.ErasePerson(store.Who{IDs: []string{"ann"}}, "test", at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"item n1 pending", "log r1", "applied lee 2026-06-08", "reset", "reset", "items removed"}
	if !slices.Equal(seen, want) {
		t.Errorf("observed %q, want %q", seen, want)
	}
}
