package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// The outbox: items, their state counters and the ready, sending and open
// indexes that delivery reads.

// Item returns the outbox item id, or nil.
func (t *Tx) Item(id string) (*Item, error) {
	it, err := t.record(id)
	if it != nil {
		t.overlay(it)
	}
	return it, err
}

// record is the outbox item id as stored, or nil: callers that know
// whether it is in the sending index spare overlay's lookup.
func (t *Tx) record(id string) (*Item, error) {
	raw := t.tx.Bucket(bucketOutbox).Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	var it Item
	if err := decodeItem(raw, &it); err != nil {
		return nil, fmt.Errorf("decode outbox item %q: %w", id, err)
	}
	return &it, nil
}

// overlay gives an item its state as delivery sees it: Claim moves an item
// into the sending index without rewriting its record (see Claim), so a
// record that says pending while the index holds its id is sending.
func (t *Tx) overlay(it *Item) {
	if it.State == Pending && t.tx.Bucket(bucketSending).Get([]byte(it.ID)) != nil {
		it.State = Sending
	}
}

// HasItem reports whether an outbox item with id exists.
func (t *Tx) HasItem(id string) bool { return t.tx.Bucket(bucketOutbox).Get([]byte(id)) != nil }

// PutItem stores it, keeping the state counters and the ready and sending
// indexes in step with its state.
func (t *Tx) PutItem(it *Item) error {
	old, err := t.Item(it.ID)
	if err != nil {
		return err
	}
	return t.putItem(old, it, encodeItem(it))
}

// UpdateItem stores it in place of old, which the caller read in this same
// transaction: it spares PutItem's lookup of the stored version.
func (t *Tx) UpdateItem(old, it *Item) error { return t.putItem(old, it, encodeItem(it)) }

// AddItems stores new items in bulk; the caller knows no item with these ids
// exists (HasItem), which spares a lookup each. They are encoded on all cores,
// inserted in id order. bbolt keeps each page's keys in a sorted slice, so
// thousands of inserts in random order into one fresh page would each shift
// it: quadratic. In order, each lands at the end.
func (t *Tx) AddItems(items []*Item) error {
	raw := make([][]byte, len(items))
	parallel(len(items), func(i int) { raw[i] = encodeItem(items[i]) })
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(items[a].ID, items[b].ID) })
	for _, i := range order {
		if err := t.putItem(nil, items[i], raw[i]); err != nil {
			return err
		}
	}
	return nil
}

// AddDues inserts due rows in bulk, in key order (see AddItems).
func (t *Tx) AddDues(ds []Due) error {
	type kv struct{ k, v []byte }
	kvs := make([]kv, len(ds))
	parallel(len(ds), func(i int) { kvs[i] = kv{timeKey(ds[i].At, ds[i].ID), encodeDue(&ds[i])} })
	slices.SortFunc(kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	b := t.tx.Bucket(bucketDue)
	for _, e := range kvs {
		if err := b.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn(0…n-1) on all cores when n is large enough to pay for it.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/512)
	if workers < 2 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func (t *Tx) putItem(old, it *Item, raw []byte) error {
	t.itemChanged(old, it)
	ready, sending := t.tx.Bucket(bucketReady), t.tx.Bucket(bucketSending)
	if old != nil {
		if old.State == Pending {
			if err := ready.Delete(timeKey(old.NextAttempt, old.ID)); err != nil {
				return err
			}
		}
		if old.State == Sending && it.State != Sending {
			if err := sending.Delete([]byte(it.ID)); err != nil {
				return err
			}
		}
		if old.State != it.State {
			// The one way back from a final state: an admin retrying a
			// failed delivery.
			if final(old.State) && !(old.State == Failed && it.State == Pending) {
				return fmt.Errorf("%w: %s %s → %s", ErrInvalidTransition, it.ID, old.State, it.State)
			}
			t.count(old.State, -1)
		}
	}
	if old == nil || old.State != it.State {
		t.count(it.State, +1)
	}
	switch it.State {
	case Pending:
		if err := ready.Put(timeKey(it.NextAttempt, it.ID), nil); err != nil {
			return err
		}
	case Sending:
		if err := sending.Put([]byte(it.ID), nil); err != nil {
			return err
		}
	}
	open := t.tx.Bucket(bucketOpen)
	if it.awaitsAnswer() {
		if err := open.Put(pair(it.Manager, it.ID), nil); err != nil {
			return err
		}
	} else if old != nil {
		// Deleting an absent key writes nothing; and files from earlier
		// versions also listed pending and sending items.
		if err := open.Delete(pair(it.Manager, it.ID)); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketOutbox).Put([]byte(it.ID), raw)
}

// OpenItems returns manager's nudges still awaiting an answer.
func (t *Tx) OpenItems(manager string) ([]*Item, error) {
	var out []*Item
	c := t.tx.Bucket(bucketOpen).Cursor()
	prefix := pair(manager, "")
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		it, err := t.Item(string(k[len(prefix):]))
		if err != nil {
			return nil, err
		}
		if it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// final states end delivery; an item never leaves them.
func final(s State) bool { return s == Sent || s == Failed || s == Skipped || s == Cancelled }

func (t *Tx) count(s State, delta int64) {
	if t.counts == nil {
		t.counts = make(map[State]int64, len(States))
	}
	t.counts[s] += delta
}

// flush writes what the transaction kept in memory; the writer calls it
// before committing.
func (t *Tx) flush() error {
	b := t.tx.Bucket(bucketCounts)
	for s, delta := range t.counts {
		if delta == 0 {
			continue
		}
		var n int64
		if raw := b.Get([]byte(s)); len(raw) == 8 {
			n = int64(binary.BigEndian.Uint64(raw))
		}
		if err := b.Put([]byte(s), be64(uint64(max(n+delta, 0)))); err != nil {
			return err
		}
	}
	t.counts = nil
	return nil
}

// Ready returns up to limit pending items whose next attempt is at or before
// now, earliest first.
func (t *Tx) Ready(now time.Time, limit int) ([]*Item, error) {
	out, _, err := t.ready(now, limit, nil)
	return out, err
}

// ready is Ready with a filter: items accept refuses are passed over (and
// counted in skipped), looking at no more than maxScan items in all.
func (t *Tx) ready(now time.Time, limit int, accept func(*Item) bool) (out []*Item, skipped int, err error) {
	c := t.tx.Bucket(bucketReady).Cursor()
	end := be64(uint64(now.UnixNano()))
	scan := max(limit*scanFactor, minScan)
	for k, _ := c.First(); k != nil && len(out) < limit && scan > 0; k, _ = c.Next() {
		if bytes.Compare(k[:8], end) > 0 {
			break
		}
		scan--
		it, err := t.record(string(k[8:])) // ready, so not sending
		if err != nil {
			return nil, 0, err
		}
		if it == nil {
			return nil, 0, fmt.Errorf("%w: the ready index names missing item %q", ErrDamaged, k[8:])
		}
		if accept != nil && !accept(it) {
			skipped++
			continue
		}
		out = append(out, it)
	}
	return out, skipped, nil
}

// How far a filtered claim looks past items it passes over: far enough
// that recipients ready now are found behind those that are not, bounded so
// a long queue of waiting items does not make every claim read it all.
const (
	scanFactor = 8
	minScan    = 4096
)

// Claim marks up to limit items ready by now as sending and returns them,
// earliest first, in their new state. Only the indexes and the counters
// change: each record keeps saying pending, and Item reads it as sending
// while the sending index holds its id. A batch's ready and sending keys
// sit together in their small indexes, where rewriting the records would
// dirty a page of the outbox per item; settling the delivery rewrites the
// record once. The attempt is counted then, too.
func (t *Tx) Claim(now time.Time, limit int) ([]*Item, error) {
	items, _, err := t.ClaimIf(now, limit, nil)
	return items, err
}

// ClaimIf is Claim for the items accept takes (nil: all); skipped is how
// many ready items it passed over.
func (t *Tx) ClaimIf(now time.Time, limit int, accept func(*Item) bool) (items []*Item, skipped int, err error) {
	items, skipped, err = t.ready(now, limit, accept)
	if err != nil {
		return nil, 0, err
	}
	ready, sending := t.tx.Bucket(bucketReady), t.tx.Bucket(bucketSending)
	for _, it := range items {
		if err := ready.Delete(timeKey(it.NextAttempt, it.ID)); err != nil {
			return nil, 0, err
		}
	}
	// In id order: each insert then lands after the last (see AddItems).
	byID := slices.Clone(items)
	slices.SortFunc(byID, func(a, b *Item) int { return strings.Compare(a.ID, b.ID) })
	for _, it := range byID {
		if err := sending.Put([]byte(it.ID), nil); err != nil {
			return nil, 0, err
		}
		it.State = Sending
	}
	if n := int64(len(items)); n > 0 {
		t.count(Pending, -n)
		t.count(Sending, +n)
	}
	return items, skipped, nil
}

// NextReady returns when the earliest pending item becomes ready.
func (t *Tx) NextReady() (time.Time, bool) {
	k, _ := t.tx.Bucket(bucketReady).Cursor().First()
	if k == nil {
		return time.Time{}, false
	}
	return keyTime(k), true
}

// InFlight returns every item left in the sending state.
func (t *Tx) InFlight() ([]*Item, error) {
	var out []*Item
	err := t.tx.Bucket(bucketSending).ForEach(func(k, _ []byte) error {
		it, err := t.record(string(k))
		if err == nil && it != nil {
			it.State = Sending // the index says so, whatever the record says
			out = append(out, it)
		}
		return err
	})
	return out, err
}

// Items calls fn for every outbox item (status, tests, the shell's inbox).
func (t *Tx) Items(fn func(*Item) error) error {
	return t.tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var it Item
		if err := decodeItem(v, &it); err != nil {
			return fmt.Errorf("decode outbox item %q: %w", k, err)
		}
		t.overlay(&it)
		return fn(&it)
	})
}

// ---- daily counts ----
