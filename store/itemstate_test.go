package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// ItemsIn hands over exactly the items of the states asked for, as Items
// reads them: records in the first release's JSON form included, an item
// claimed for sending read as sending, and a damaged record reported.
func TestItemsIn_TheStatesAskedFor(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	at := time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC)
	item := func(id string, s State) *Item {
		return &Item{ID: id, Manager: "m-" + id, State: s, Reason: "why " + id, ScheduledAt: at, NextAttempt: at}
	}
	err = st.Write(ctx, func(tx *Tx) error {
		for _, it := range []*Item{item("a", Sent), item("b", Failed), item("c", Skipped), item("d", Pending), item("e", Pending), item("f", Cancelled)} {
			if err := tx.PutItem(it); err != nil {
				return err
			}
		}
		// g as the first release wrote it.
		raw, _ := json.Marshal(item("g", Failed))
		return tx.tx.Bucket(bucketOutbox).Put([]byte("g"), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, func(tx *Tx) error { _, err := tx.Claim(at, 1); return err }); err != nil { // d: sending
		t.Fatal(err)
	}
	read := func(states ...State) (ids []string, err error) {
		err = st.View(func(tx *Tx) error {
			return tx.ItemsIn(func(it *Item) error {
				if it.Reason != "why "+it.ID || it.Manager != "m-"+it.ID {
					t.Errorf("item %s read as %+v", it.ID, it)
				}
				ids = append(ids, it.ID+" "+string(it.State))
				return nil
			}, states...)
		})
		return ids, err
	}
	for _, tc := range []struct {
		states []State
		want   []string
	}{
		{[]State{Failed, Skipped}, []string{"b failed", "c skipped", "g failed"}},
		{[]State{Sending}, []string{"d sending"}},
		{[]State{Pending}, []string{"e pending"}},
		{[]State{Sent, Cancelled}, []string{"a sent", "f cancelled"}},
		{nil, nil},
	} {
		got, err := read(tc.states...)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ItemsIn(%v) = %q, %v; want %q", tc.states, got, err, tc.want)
		}
	}

	// A record cut short before its state cannot be placed: it is decoded,
	// and its damage reported.
	if err := st.Write(ctx, func(tx *Tx) error {
		return tx.tx.Bucket(bucketOutbox).Put([]byte("h"), encodeItem(item("h", Failed))[:6])
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := read(Failed); !errors.Is(err, ErrDamaged) {
		t.Errorf("a damaged record: %v, want ErrDamaged", err)
	}
}
