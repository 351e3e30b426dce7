package store

import (
	"time"
)

// The audit log: what admins did (sends, pauses and resumes, reloads,
// exports, erasures), kept beside the data it concerns. Its bucket is made
// on first use, so files written before it need no migration.

var bucketAudit = []byte("audit") // be64(unix nanos) | seq → Audit

// Audit is one admin action. Detail says what was done in counts and
// names of programs or kinds, never who it was about: an erasure's audit
// entry must not undo the erasure.
type Audit struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"` // the admin's roster id, or "cli"
	Action string    `json:"action"`          // send, pause, resume, reload, export, erase, retention
	Detail string    `json:"detail,omitempty"`
}

// AddAudit appends a to the audit log.
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
