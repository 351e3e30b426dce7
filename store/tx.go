package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
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
	// changes collects what the commit changed, for the store's observer.
	changes Commit
}

// ID is the transaction's id. A read's is that of the last commit its
// snapshot holds: a Commit whose Tx is at most this is in it.
func (t *Tx) ID() uint64 { return uint64(t.tx.ID()) }

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
// A reply erased since (ErasePerson) counts as stored: its redelivery must
// not bring it back.
func (t *Tx) HasReply(id string) bool {
	b := t.tx.Bucket(bucketReplies)
	return b.Get([]byte(id)) != nil || b.Get(replyTombstone(id)) != nil
}

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
	t.changes.Logs = append(t.changes.Logs, l)
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

// EachLog calls fn for every coaching log like Logs, but hands it the same
// Log and Answers map each time: fn must copy what it keeps. A report over
// a million logs then makes no map per log.
func (t *Tx) EachLog(fn func(*Log) error) error {
	l := Log{Answers: map[string]string{}}
	return t.tx.Bucket(bucketLogs).ForEach(func(k, v []byte) error {
		clear(l.Answers)
		l = Log{Answers: l.Answers}
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
	t.changes.Applications = append(t.changes.Applications, Application{Program: program, Learner: learner, FirstApplication: fa})
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

// DeleteLogsBefore deletes up to limit coaching logs created before cut,
// with their reply ids, and reports how many it deleted: the retention
// job calls it until it returns fewer than limit, a commit at a time.
func (t *Tx) DeleteLogsBefore(cut time.Time, limit int) (int, error) {
	logs, replies := t.tx.Bucket(bucketLogs), t.tx.Bucket(bucketReplies)
	var keys [][]byte
	c := logs.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < limit; {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) < i+9 {
			return 0, fmt.Errorf("log key %q: %w", k, ErrDamaged)
		}
		if keyTime(k[i+1:]).Before(cut) {
			keys = append(keys, bytes.Clone(k))
			k, _ = c.Next()
			continue
		}
		// The rest of this manager's logs are newer: on to the next one.
		k, _ = c.Seek(append(bytes.Clone(k[:i]), 1))
	}
	for _, k := range keys {
		if err := logs.Delete(k); err != nil {
			return 0, err
		}
		i := bytes.IndexByte(k, 0)
		if err := replies.Delete(k[i+9:]); err != nil {
			return 0, err
		}
	}
	// Only logs deleted are news to an observer: the hourly run that
	// finds nothing old enough must not make figures be counted again.
	t.changes.Reset = t.changes.Reset || len(keys) > 0
	return len(keys), nil
}
