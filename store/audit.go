package store

import (
	"fmt"
	"time"
)

// The audit log: what admins did (sends, pauses and resumes, reloads,
// digests, exports, erasures, retention), from the command line, chat or
// the dashboard, in one bucket and one record format, kept beside the
// data it concerns. Its bucket is made on first use, so files written
// before it need no migration.

var bucketAudit = []byte("audit") // be64(unix nanos) | seq → Audit

// Audit is one admin action. Detail says what was done in counts and
// names of programs or kinds, never who it was about: an erasure's audit
// entry must not undo the erasure.
type Audit struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"`  // the admin's roster id or dashboard sign-in, "cli", or "" for the engine
	Action string    `json:"action"`           // send, pause, resume, reload, retry, digest, export, erase, retention, test_send, report_csv
	Detail string    `json:"detail,omitempty"` // counts, a program, a kind: never a person
	Result string    `json:"result,omitempty"` // "ok" or why it failed; "" where only what succeeded is recorded
}

// AddAudit appends a to the audit log. Entries at one instant keep their
// order.
func (t *Tx) AddAudit(a Audit) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketAudit)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return putJSON(b, append(be64(uint64(a.At.UnixNano())), be64(seq)...), a)
}

// Audits calls fn for every audit entry, oldest first.
func (t *Tx) Audits(fn func(Audit) error) error {
	b := t.tx.Bucket(bucketAudit)
	if b == nil {
		return nil
	}
	return b.ForEach(func(_, v []byte) error {
		var a Audit
		if err := decodeJSON(v, &a); err != nil {
			return err
		}
		return fn(a)
	})
}

// AuditNewest calls fn for entries newest first, skipping the first skip,
// until fn returns false: a page of the log for the dashboard.
func (t *Tx) AuditNewest(skip int, fn func(Audit) bool) error {
	b := t.tx.Bucket(bucketAudit)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if skip > 0 {
			skip--
			continue
		}
		var a Audit
		if err := decodeJSON(v, &a); err != nil {
			return fmt.Errorf("%w: audit record %x: %v", ErrDamaged, k, err)
		}
		if !fn(a) {
			return nil
		}
	}
	return nil
}
