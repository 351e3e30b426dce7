package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction with nudgebot's typed operations. Values returned are
// copies: safe to keep after the transaction ends.
type Tx struct {
	tx *bolt.Tx
	// counts holds state-counter changes until the commit: a sweep that
	// queues ten thousand items then touches each counter once, not
	// twenty thousand times.
	counts map[State]int64
}

// ErrInvalidTransition is returned when an item would move between states
// that delivery never links (e.g. sent back to pending).
var ErrInvalidTransition = errors.New("invalid outbox state transition")

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := decodeJSON(raw, v); err != nil {
		return true, fmt.Errorf("decode record %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// ---- due table ----

// AddDue inserts a due row. A row with the same instant and id is replaced.
func (t *Tx) AddDue(d Due) ([]byte, error) {
	k := timeKey(d.At, d.ID)
	return k, t.tx.Bucket(bucketDue).Put(k, encodeDue(&d))
}

// DeleteDue removes the due row stored under key (no error when absent).
func (t *Tx) DeleteDue(key []byte) error { return t.tx.Bucket(bucketDue).Delete(key) }

// DueBy returns up to limit due rows at or before now, oldest first, each
// with its key.
func (t *Tx) DueBy(now time.Time, limit int) (keys [][]byte, rows []Due, err error) {
	c := t.tx.Bucket(bucketDue).Cursor()
	end := be64(uint64(now.UnixNano()))
	// Count first (keys only, cheap) so the rows are allocated once.
	n := 0
	for k, _ := c.First(); k != nil && n < limit && bytes.Compare(k[:8], end) <= 0; k, _ = c.Next() {
		n++
	}
	keys, rows = make([][]byte, 0, n), make([]Due, 0, n)
	for k, v := c.First(); k != nil && len(rows) < limit; k, v = c.Next() {
		if bytes.Compare(k[:8], end) > 0 {
			break
		}
		var d Due
		if err := decodeDue(v, &d); err != nil {
			return nil, nil, fmt.Errorf("decode due row %x: %w", k, err)
		}
		keys = append(keys, bytes.Clone(k))
		rows = append(rows, d)
	}
	return keys, rows, nil
}

// NextDue returns the instant of the earliest due row, or ok=false.
func (t *Tx) NextDue() (time.Time, bool) {
	k, _ := t.tx.Bucket(bucketDue).Cursor().First()
	if k == nil {
		return time.Time{}, false
	}
	return keyTime(k), true
}

// DueRows calls fn for every due row in time order (plan inspection, tests).
func (t *Tx) DueRows(fn func(Due) error) error {
	return t.tx.Bucket(bucketDue).ForEach(func(_, v []byte) error {
		var d Due
		if err := decodeDue(v, &d); err != nil {
			return err
		}
		return fn(d)
	})
}

// ---- schedule index: which (manager, slot) pairs are scheduled, and from what ----

// SchedEntry records that a manager's schedule slot (a cadence, or an
// enrolment marker) has its next occurrence in the due table, computed from
// inputs with the given fingerprint.
type SchedEntry struct {
	Manager, Slot string
	Fingerprint   uint64
}

// PutSched stores e.
func (t *Tx) PutSched(e SchedEntry) error {
	return t.tx.Bucket(bucketSched).Put(pair(e.Manager, e.Slot), be64(e.Fingerprint))
}

// DeleteSched removes the entry for (manager, slot).
func (t *Tx) DeleteSched(manager, slot string) error {
	return t.tx.Bucket(bucketSched).Delete(pair(manager, slot))
}

// SchedEntries calls fn for every entry in (manager, slot) order. The byte
// slices are only valid during the call: a restart walks hundreds of
// thousands of entries and should not allocate for each.
func (t *Tx) SchedEntries(fn func(manager, slot []byte, fingerprint uint64) error) error {
	return t.tx.Bucket(bucketSched).ForEach(func(k, v []byte) error {
		m, s, _ := bytes.Cut(k, []byte{0})
		return fn(m, s, binary.BigEndian.Uint64(v))
	})
}

// ---- outbox ----

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

// DayCount is how many nudges were queued for manager on local date day.
func (t *Tx) DayCount(manager, day string) int {
	raw := t.tx.Bucket(bucketDayCount).Get(pair(manager, day))
	if len(raw) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(raw))
}

// SetDayCount stores DayCount.
func (t *Tx) SetDayCount(manager, day string, n int) error {
	return t.tx.Bucket(bucketDayCount).Put(pair(manager, day), be64(uint64(n)))
}

// ---- replies and coaching logs ----

// HasReply reports whether a reply with this id was already stored.
func (t *Tx) HasReply(id string) bool { return t.tx.Bucket(bucketReplies).Get([]byte(id)) != nil }

// AddLog stores a coaching log under its reply id. A second log with the
// same id is refused with ErrDuplicate, so a redelivered reply changes nothing.
func (t *Tx) AddLog(l *Log) error {
	if t.HasReply(l.ID) {
		return ErrDuplicate
	}
	k := logKey(l.Manager, l.CreatedAt, l.ID)
	if err := t.tx.Bucket(bucketLogs).Put(k, encodeLog(l)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketReplies).Put([]byte(l.ID), k)
}

// LogByReply returns the log stored for reply id, or nil.
func (t *Tx) LogByReply(id string) (*Log, error) {
	k := t.tx.Bucket(bucketReplies).Get([]byte(id))
	if k == nil {
		return nil, nil
	}
	var l Log
	if raw := t.tx.Bucket(bucketLogs).Get(k); raw != nil {
		if err := decodeLog(raw, &l); err != nil {
			return nil, fmt.Errorf("decode log %q: %w", id, err)
		}
	}
	return &l, nil
}

// ErrDuplicate marks a reply already stored.
var ErrDuplicate = errors.New("reply already recorded")

// LogsBetween calls fn for manager's logs created in [from, to), oldest first.
func (t *Tx) LogsBetween(manager string, from, to time.Time, fn func(*Log) error) error {
	c := t.tx.Bucket(bucketLogs).Cursor()
	prefix := pair(manager, "")
	end := logKey(manager, to, "")
	for k, v := c.Seek(logKey(manager, from, "")); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, end) < 0; k, v = c.Next() {
		var l Log
		if err := decodeLog(v, &l); err != nil {
			return err
		}
		if err := fn(&l); err != nil {
			return err
		}
	}
	return nil
}

// Logs calls fn for every coaching log, grouped by manager, oldest first.
func (t *Tx) Logs(fn func(*Log) error) error {
	return t.tx.Bucket(bucketLogs).ForEach(func(k, v []byte) error {
		var l Log
		if err := decodeLog(v, &l); err != nil {
			return fmt.Errorf("decode log %q: %w", k, err)
		}
		return fn(&l)
	})
}

// ---- per-manager memory ----

// ManagerState returns what the bot remembers about manager (zero if new).
func (t *Tx) ManagerState(manager string) (ManagerState, error) {
	var st ManagerState
	if raw := t.tx.Bucket(bucketManagers).Get([]byte(manager)); raw != nil {
		if err := decodeManagerState(raw, &st); err != nil {
			return st, fmt.Errorf("decode state of %q: %w", manager, err)
		}
	}
	return st, nil
}

// PutManagerState stores st.
func (t *Tx) PutManagerState(manager string, st ManagerState) error {
	return t.tx.Bucket(bucketManagers).Put([]byte(manager), encodeManagerState(&st))
}

// FirstApplication returns the learner's first recorded application in a
// program, or nil.
func (t *Tx) FirstApplication(program, learner string) (*FirstApplication, error) {
	var fa FirstApplication
	ok, err := getJSON(t.tx.Bucket(bucketFirstApp), pair(program, learner), &fa)
	if !ok || err != nil {
		return nil, err
	}
	return &fa, nil
}

// SetFirstApplication records fa unless the learner already has one: the
// first stays first.
func (t *Tx) SetFirstApplication(program, learner string, fa FirstApplication) error {
	if got, err := t.FirstApplication(program, learner); err != nil || got != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bucketFirstApp), pair(program, learner), fa)
}

// ---- learning events ----

// SeenEvent reports whether the event id was already handled.
func (t *Tx) SeenEvent(id string) bool { return t.tx.Bucket(bucketEvents).Get([]byte(id)) != nil }

// MarkEvent records that the event id was handled.
func (t *Tx) MarkEvent(id string) error { return t.tx.Bucket(bucketEvents).Put([]byte(id), nil) }

// ---- identities and program state ----

// Identity returns the value stored for (namespace, key).
func (t *Tx) Identity(ns, key string) (string, bool) {
	v := t.tx.Bucket(bucketIdents).Get(pair(ns, key))
	return string(v), v != nil
}

// SetIdentity stores value for (namespace, key); an empty value deletes it.
func (t *Tx) SetIdentity(ns, key, value string) error {
	if value == "" {
		return t.tx.Bucket(bucketIdents).Delete(pair(ns, key))
	}
	return t.tx.Bucket(bucketIdents).Put(pair(ns, key), []byte(value))
}

// Paused returns an admin's pause (true) or resume (false) of program, or
// ok=false when none was given.
func (t *Tx) Paused(program string) (paused, ok bool) {
	v := t.tx.Bucket(bucketMeta).Get([]byte(metaPaused + program))
	return string(v) == "paused", v != nil
}

// SetPaused records an admin's pause or resume of program.
func (t *Tx) SetPaused(program string, paused bool) error {
	v := "resumed"
	if paused {
		v = "paused"
	}
	return t.tx.Bucket(bucketMeta).Put([]byte(metaPaused+program), []byte(v))
}

// ScheduleFingerprint is the fingerprint of the whole schedule index as last
// reconciled (0 if never).
func (t *Tx) ScheduleFingerprint() uint64 {
	v := t.tx.Bucket(bucketMeta).Get([]byte("schedule_fp"))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// SetScheduleFingerprint records the fingerprint of the reconciled index.
func (t *Tx) SetScheduleFingerprint(fp uint64) error {
	return t.tx.Bucket(bucketMeta).Put([]byte("schedule_fp"), be64(fp))
}
