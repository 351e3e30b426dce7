package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// bucketAudit holds what admins did from the dashboard: be64(unix nanos) |
// seq → AuditEntry. It is created by the first entry, so files written
// before it need no migration and a reader of such a file sees none.
var bucketAudit = []byte("audit")

// AuditEntry is one admin action: who, what, on what, and how it ended.
// It names the acting admin and the target's id, never what was exported.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // the admin's email or subject, or "token"
	Action string    `json:"action"` // pause, resume, test_send, digest, export, erase, report_csv
	Target string    `json:"target,omitempty"`
	Result string    `json:"result"` // "ok" or the error
}

// AddAudit appends an entry. Entries at one instant keep their order.
func (t *Tx) AddAudit(e AuditEntry) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketAudit)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Put(append(be64(uint64(e.At.UnixNano())), be64(seq)...), raw)
}

// Audit calls fn for entries newest first, skipping the first skip, until
// fn returns false.
func (t *Tx) Audit(skip int, fn func(AuditEntry) bool) error {
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
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("%w: audit record %x: %v", ErrDamaged, k, err)
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}
