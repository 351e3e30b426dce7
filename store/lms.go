package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Learning events from the LMS: every xAPI statement accepted is kept (the
// LRS forwarding it may redeliver, and a voiding statement may arrive weeks
// later naming it), with what it was mapped to and the nudges it caused.

var (
	bucketXAPI    = []byte("xapi")    // statement id → be64 sequence number in xapilog (schema 3)
	bucketXAPILog = []byte("xapilog") // be64 sequence → Statement, in the order accepted (schema 3)
	bucketLMSMeta = []byte("lmsmeta") // "count/" status → be64; "pos/" source → poller position (schema 3)
	bucketXAPIOut = []byte("xapiout") // statement id → WriteBack: coaching logs on their way to an LRS (schema 3)
)

// Statements are kept in the order accepted, under a sequence number, with
// a separate small index from id to number. Ids are random (UUIDs): keyed
// by id, a million statements would be a million inserts all over a
// B+tree the size of the records, each commit rewriting (and mapping into
// memory) pages across the whole file. In order, records are appended at
// the end, and only the index, a few dozen bytes per statement, takes
// random inserts.

// Statement outcomes (Statement.Status): what nudgebot made of a statement.
const (
	StatementEvent    = "event"    // mapped to a learner and module: nudges scheduled
	StatementUnmapped = "unmapped" // no learner, module or verb it knows: kept and counted
	StatementOld      = "old"      // older than lms.max_age: recorded, nudges nobody
	StatementBulk     = "bulk"     // a vendor's bulk action: recorded, nudges nobody
	StatementVoiding  = "voiding"  // voids another statement
	StatementIgnored  = "ignored"  // a verb that causes no nudge (e.g. a voiding of an unknown id)
)

// Statement is an accepted xAPI statement (or a vendor webhook turned into
// one) and what became of it.
type Statement struct {
	ID     string    `json:"id"`
	Source string    `json:"source"`
	Hash   string    `json:"hash"` // of the canonical content: a redelivery must match it
	Stored time.Time `json:"stored"`
	Status string    `json:"status"`
	// Mapped: the learner (roster id), the event verb and the module name.
	Learner string `json:"learner,omitempty"`
	Verb    string `json:"verb,omitempty"`
	Module  string `json:"module,omitempty"`
	Event   string `json:"event,omitempty"` // the learning event id it became
	// Nudges the statement caused: outbox ids and the due-table keys they
	// wait under, so a voiding statement can cancel the ones not yet sent.
	Nudges  []string        `json:"nudges,omitempty"`
	DueKeys [][]byte        `json:"due_keys,omitempty"`
	Voided  bool            `json:"voided,omitempty"`
	Raw     json.RawMessage `json:"-"` // as sent; stored after the rest, see encodeStatement
}

// encodeStatement writes codecV1, the length of the record's JSON (all but
// Raw), that JSON, then Raw as sent: re-encoding Raw as a JSON value would
// validate and compact it again, which was most of an import's store time.
func encodeStatement(s *Statement) ([]byte, error) {
	meta, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(meta)+len(s.Raw))
	b = append(b, codecV1)
	b = binary.AppendUvarint(b, uint64(len(meta)))
	b = append(b, meta...)
	return append(b, s.Raw...), nil
}

func decodeStatement(b []byte, s *Statement) error {
	if len(b) == 0 || b[0] != codecV1 {
		return errCodec
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n > uint64(len(b)-1-k) {
		return errCodec
	}
	meta := b[1+k : 1+k+int(n)]
	if err := decodeJSON(meta, s); err != nil {
		return err
	}
	if raw := b[1+k+int(n):]; len(raw) > 0 {
		s.Raw = bytes.Clone(raw)
	}
	return nil
}

// Statement returns the statement stored under id, or nil.
func (t *Tx) Statement(id string) (*Statement, error) {
	seq := t.tx.Bucket(bucketXAPI).Get(statementKey(id))
	if seq == nil {
		return nil, nil
	}
	raw := t.tx.Bucket(bucketXAPILog).Get(seq)
	if raw == nil {
		return nil, fmt.Errorf("%w: statement %q is indexed but not stored", ErrDamaged, id)
	}
	var s Statement
	if err := decodeStatement(raw, &s); err != nil {
		return nil, fmt.Errorf("decode statement %q: %w", id, err)
	}
	return &s, nil
}

// PutStatement stores s under its id, replacing any earlier version (a
// voided statement is rewritten with Voided set).
func (t *Tx) PutStatement(s *Statement) error {
	if s.ID == "" {
		return fmt.Errorf("store statement: no id")
	}
	idx, log := t.tx.Bucket(bucketXAPI), t.tx.Bucket(bucketXAPILog)
	// New records go at the end of the log, in sequence order: pages
	// filled before they are split leave none half empty, which halves
	// the log's pages (and the bytes each commit writes). A voided
	// statement rewritten in place only splits its own page.
	log.FillPercent = 1.0
	k := statementKey(s.ID)
	seq := idx.Get(k)
	if seq == nil {
		n, err := log.NextSequence()
		if err != nil {
			return err
		}
		seq = be64(n)
		if err := idx.Put(k, seq); err != nil {
			return err
		}
	}
	rec, err := encodeStatement(s)
	if err != nil {
		return err
	}
	return log.Put(bytes.Clone(seq), rec)
}

// AddStatement stores s, whose id this transaction has just found not
// stored (Statement returned nil): PutStatement without looking the id
// up again: one B+tree search less per statement, in a bulk import the
// search of a page all over the index.
func (t *Tx) AddStatement(s *Statement) error {
	if s.ID == "" {
		return fmt.Errorf("store statement: no id")
	}
	log := t.tx.Bucket(bucketXAPILog)
	log.FillPercent = 1.0 // see PutStatement
	n, err := log.NextSequence()
	if err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketXAPI).Put(statementKey(s.ID), be64(n)); err != nil {
		return err
	}
	rec, err := encodeStatement(s)
	if err != nil {
		return err
	}
	return log.Put(be64(n), rec)
}

// CountStatement adds delta to the counter of statements with status.
func (t *Tx) CountStatement(status string, delta int64) error {
	b := t.tx.Bucket(bucketLMSMeta)
	k := []byte("count/" + status)
	var n int64
	if raw := b.Get(k); len(raw) == 8 {
		n = int64(binary.BigEndian.Uint64(raw))
	}
	return b.Put(k, be64(uint64(n+delta)))
}

// StatementCounts returns how many statements were kept, by status.
func (t *Tx) StatementCounts() map[string]int64 {
	out := map[string]int64{}
	c := t.tx.Bucket(bucketLMSMeta).Cursor()
	prefix := []byte("count/")
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), "count/"); k, v = c.Next() {
		if len(v) == 8 {
			out[string(k[len(prefix):])] = int64(binary.BigEndian.Uint64(v))
		}
	}
	return out
}

// LMSPosition is where the poller of source got to in its LRS, or "".
func (t *Tx) LMSPosition(source string) string {
	return string(t.tx.Bucket(bucketLMSMeta).Get([]byte("pos/" + source)))
}

// SetLMSPosition records the poller's position; stored in the same
// transaction as the statements read up to it, so a restart neither
// misses nor repeats one.
func (t *Tx) SetLMSPosition(source, pos string) error {
	return t.tx.Bucket(bucketLMSMeta).Put([]byte("pos/"+source), []byte(pos))
}

// CancelPending cancels the outbox item id if it is still waiting to be
// sent, with reason; it reports whether it did. Items on their way or
// delivered are left alone: what was sent cannot be unsent.
func (t *Tx) CancelPending(id, reason string) (bool, error) {
	old, err := t.Item(id)
	if err != nil || old == nil || old.State != Pending {
		return false, err
	}
	it := *old
	it.State, it.Reason = Cancelled, reason
	return true, t.UpdateItem(old, &it)
}

// HasDue reports whether a due row is stored under key.
func (t *Tx) HasDue(key []byte) bool { return t.tx.Bucket(bucketDue).Get(key) != nil }

// statementKey is the index key of statement id: a UUID's 16 bytes (the
// index of a million statements is then half the size, and takes half the
// pages each commit rewrites), any other id as it is.
func statementKey(id string) []byte {
	if len(id) != 36 {
		return []byte(id)
	}
	k := make([]byte, 0, 16)
	for i := 0; i < 36; i += 2 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
		}
		v, err := strconv.ParseUint(id[i:i+2], 16, 8)
		if err != nil {
			return []byte(id)
		}
		k = append(k, byte(v))
	}
	return k
}

// DueRow returns the due row stored under key, or nil.
func (t *Tx) DueRow(key []byte) (*Due, error) {
	raw := t.tx.Bucket(bucketDue).Get(key)
	if raw == nil {
		return nil, nil
	}
	var d Due
	if err := decodeDue(raw, &d); err != nil {
		return nil, fmt.Errorf("decode due row %x: %w", key, err)
	}
	return &d, nil
}

// LMSValue is the intake's value for key (coalescing state), or nil.
func (t *Tx) LMSValue(key string) []byte {
	return bytes.Clone(t.tx.Bucket(bucketLMSMeta).Get([]byte("val/" + key)))
}

// SetLMSValue stores value for key; nil deletes it.
func (t *Tx) SetLMSValue(key string, value []byte) error {
	if value == nil {
		return t.tx.Bucket(bucketLMSMeta).Delete([]byte("val/" + key))
	}
	return t.tx.Bucket(bucketLMSMeta).Put([]byte("val/"+key), value)
}

// StatementCounts returns how many learning statements were kept, by
// status (event, unmapped, old, bulk, voiding).
func (s *Store) StatementCounts() (map[string]int64, error) {
	var out map[string]int64
	err := s.View(func(tx *Tx) error {
		out = tx.StatementCounts()
		return nil
	})
	return out, err
}

// WriteBack is a coaching log's statement waiting to reach the LRS.
type WriteBack struct {
	ID          string          `json:"id"` // the statement id, derived from the log id
	Statement   json.RawMessage `json:"statement"`
	Attempts    int             `json:"attempts,omitempty"`
	NextAttempt time.Time       `json:"next_attempt,omitzero"`
	Failed      string          `json:"failed,omitempty"` // refused for good, with the LRS's reason: not retried
}

// QueueWriteBack stores w unless a statement with its id is queued
// already.
func (t *Tx) QueueWriteBack(w *WriteBack) error {
	b := t.tx.Bucket(bucketXAPIOut)
	if b.Get([]byte(w.ID)) != nil {
		return nil
	}
	return putJSON(b, []byte(w.ID), w)
}

// WriteBacks returns up to limit queued statements due by now, not failed.
func (t *Tx) WriteBacks(now time.Time, limit int) ([]*WriteBack, error) {
	var out []*WriteBack
	c := t.tx.Bucket(bucketXAPIOut).Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		var w WriteBack
		if err := decodeJSON(v, &w); err != nil {
			return nil, fmt.Errorf("decode write-back %q: %w", k, err)
		}
		if w.Failed == "" && !w.NextAttempt.After(now) {
			out = append(out, &w)
		}
	}
	return out, nil
}

// PutWriteBack updates a queued statement (attempts, next attempt, failure).
func (t *Tx) PutWriteBack(w *WriteBack) error {
	return putJSON(t.tx.Bucket(bucketXAPIOut), []byte(w.ID), w)
}

// DoneWriteBack removes a delivered statement from the queue.
func (t *Tx) DoneWriteBack(id string) error { return t.tx.Bucket(bucketXAPIOut).Delete([]byte(id)) }
