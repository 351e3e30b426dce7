package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Erased counts what ErasePerson removed or rewrote. It names nobody: it
// is what the audit log keeps of an erasure.
type Erased struct {
	Logs, Scrubbed, Nudges, Scheduled, FirstApplications, Identities int
	State                                                            bool
}

func (e Erased) String() string {
	return fmt.Sprintf("%d logs, %d nudges, %d scheduled, %d first applications, %d identities removed; %d others' logs scrubbed; state removed: %v",
		e.Logs, e.Nudges, e.Scheduled, e.FirstApplications, e.Identities, e.Scrubbed, e.State)
}

// ErasePerson removes what the data file holds about w: the logs they wrote
// or that are about them, what the bot remembers of them, their nudges and
// scheduled nudges, their first applications, their platform identities;
// their names in others' free text become "[erased]". The pages bbolt
// frees keep the old bytes until reused: call Compact on the file after the
// commit, with the store closed, to leave no trace.
// The erasure is audited at the instant at, by actor, in counts only.
func (t *Tx) ErasePerson(w Who, actor string, at time.Time) (Erased, error) {
	t.changes.Reset = true
	var e Erased
	m := newMatcher(w)
	logs, replies := t.tx.Bucket(bucketLogs), t.tx.Bucket(bucketReplies)
	var drop [][]byte
	var dropIDs []string
	var rewrite []*Log
	err := logs.ForEach(func(k, v []byte) error {
		var l Log
		if err := decodeLog(v, &l); err != nil {
			return fmt.Errorf("decode log %q: %w", k, err)
		}
		switch {
		case m.about(&l):
			drop, dropIDs = append(drop, bytes.Clone(k)), append(dropIDs, l.ID)
		case m.logMentions(&l):
			for a, v := range l.Answers {
				l.Answers[a] = m.scrub(v)
			}
			rewrite = append(rewrite, &l)
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	for i, k := range drop {
		if err := logs.Delete(k); err != nil {
			return e, err
		}
		if err := replies.Delete([]byte(dropIDs[i])); err != nil {
			return e, err
		}
		// The reply id may hold the person's id (an outcome's names the
		// learner), so only its digest stays: a platform redelivering the
		// erased reply finds it answered and cannot bring it back.
		if err := replies.Put(replyTombstone(dropIDs[i]), []byte{}); err != nil {
			return e, err
		}
	}
	for _, l := range rewrite {
		if err := logs.Put(logKey(l.Manager, l.CreatedAt, l.ID), encodeLog(l)); err != nil {
			return e, err
		}
	}
	e.Logs, e.Scrubbed = len(drop), len(rewrite)

	if err := t.eraseStates(m, &e); err != nil {
		return e, err
	}
	if err := t.eraseItems(m, &e); err != nil {
		return e, err
	}
	if err := t.eraseSchedule(m, w, &e); err != nil {
		return e, err
	}
	if err := t.eraseFirstApplications(m, &e); err != nil {
		return e, err
	}
	if err := t.eraseCoached(m); err != nil {
		return e, err
	}
	idents := t.identitiesOf(m)
	for _, id := range idents {
		if err := t.tx.Bucket(bucketIdents).Delete(pair(id[0], id[1])); err != nil {
			return e, err
		}
	}
	e.Identities = len(idents)
	return e, t.AddAudit(Audit{At: at, Actor: actor, Action: "erase", Detail: e.String()})
}

// eraseStates drops the person's own state and what others' states recall
// of them (a check-in's agreed action with them, a pledge naming them).
func (t *Tx) eraseStates(m matcher, e *Erased) error {
	b := t.tx.Bucket(bucketManagers)
	type kv struct {
		k  string
		st ManagerState
	}
	var del []string
	var put []kv
	err := b.ForEach(func(k, v []byte) error {
		if m.is(string(k)) {
			del = append(del, string(k))
			return nil
		}
		var st ManagerState
		if err := decodeManagerState(v, &st); err != nil {
			return fmt.Errorf("decode state of %q: %w", k, err)
		}
		changed := false
		if r := st.LastCheckIn; r != nil && (m.is(r.Member) || m.mentioned(r.Action)) {
			st.LastCheckIn, changed = nil, true
		}
		if p := st.Pledge; p != nil && m.mentioned(p.Text) {
			p.Text, changed = m.scrub(p.Text), true
		}
		if changed {
			put = append(put, kv{string(k), st})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range del {
		if err := b.Delete([]byte(k)); err != nil {
			return err
		}
	}
	for _, x := range put {
		if err := t.PutManagerState(x.k, x.st); err != nil {
			return err
		}
	}
	e.State = len(del) > 0
	return nil
}

// eraseItems deletes the nudges sent to the person or about them, with
// their places in the delivery indexes and the state counters.
func (t *Tx) eraseItems(m matcher, e *Erased) error {
	var gone []*Item
	if err := t.Items(func(it *Item) error {
		if m.is(it.Manager) || m.is(it.Learner) {
			cp := *it
			gone = append(gone, &cp)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, it := range gone {
		switch it.State {
		case Pending:
			if err := t.tx.Bucket(bucketReady).Delete(timeKey(it.NextAttempt, it.ID)); err != nil {
				return err
			}
		case Sending:
			if err := t.tx.Bucket(bucketSending).Delete([]byte(it.ID)); err != nil {
				return err
			}
		}
		if err := t.tx.Bucket(bucketOpen).Delete(pair(it.Manager, it.ID)); err != nil {
			return err
		}
		if err := t.tx.Bucket(bucketOutbox).Delete([]byte(it.ID)); err != nil {
			return err
		}
		t.count(it.State, -1)
	}
	e.Nudges = len(gone)
	t.changes.ItemsRemoved = t.changes.ItemsRemoved || len(gone) > 0
	return nil
}

// eraseSchedule deletes due rows to or about the person, and a manager's
// schedule index and daily counts. A manager still on the roster is
// scheduled afresh at the next reconcile; erase them from the roster too.
func (t *Tx) eraseSchedule(m matcher, w Who, e *Erased) error {
	n, err := deleteWhere(t.tx.Bucket(bucketDue), func(_, v []byte) (bool, error) {
		var d Due
		if err := decodeDue(v, &d); err != nil {
			return false, err
		}
		return m.is(d.Manager) || m.is(d.Learner), nil
	})
	if err != nil {
		return err
	}
	e.Scheduled = n
	for _, id := range w.IDs {
		for _, name := range [][]byte{bucketSched, bucketDayCount} {
			if err := deletePrefix(t.tx.Bucket(name), pair(id, "")); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *Tx) eraseFirstApplications(m matcher, e *Erased) error {
	b := t.tx.Bucket(bucketFirstApp)
	var del [][]byte
	put := map[string]FirstApplication{}
	if err := b.ForEach(func(k, v []byte) error {
		_, learner, _ := bytes.Cut(k, []byte{0})
		var fa FirstApplication
		if err := decodeJSON(v, &fa); err != nil {
			return fmt.Errorf("decode first application %q: %w", k, err)
		}
		switch {
		case m.is(string(learner)):
			del = append(del, bytes.Clone(k))
		case m.is(fa.Manager):
			// The learner's record stays; who observed it goes.
			fa.Manager = ""
			put[string(k)] = fa
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range del {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for k, fa := range put {
		if err := putJSON(b, []byte(k), fa); err != nil {
			return err
		}
	}
	e.FirstApplications = len(del)
	return nil
}

// deleteWhere deletes the keys of b whose record match accepts and
// reports how many. bbolt forbids changing a bucket inside ForEach, so
// the keys are gathered first.
func deleteWhere(b *bolt.Bucket, match func(k, v []byte) (bool, error)) (int, error) {
	var keys [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		ok, err := match(k, v)
		if ok {
			keys = append(keys, bytes.Clone(k))
		}
		return err
	}); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// timeoutCompact is how long Compact waits for the file lock: a running
// bot holds it for as long as it runs.
const timeoutCompact = 2 * time.Second

// Compact rewrites the data file at path key by key into a fresh file and
// puts it in place: the pages an erasure freed, which still hold the old
// bytes, are not copied. The store must be closed (the file lock is taken).
func Compact(path string) error {
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeoutCompact})
	if err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	defer src.Close()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".compact")
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: timeoutCompact})
	if err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact %s: %w", path, err)
	}
	src.Close()
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !strings.Contains(err.Error(), "invalid argument") {
		return err
	}
	return nil
}

// CompactPending is the mark an erasure made while the bot ran leaves
// beside the data file: the file is open, so the pages it freed could not
// be rewritten then. CompactIfPending, at the next start, does it.
func CompactPending(path string) string { return path + ".compact" }

// MarkCompactPending records that the data file at path needs a Compact.
func MarkCompactPending(path string) error {
	return os.WriteFile(CompactPending(path), []byte("an erasure freed pages that still hold old bytes\n"), 0o600)
}

// CompactIfPending compacts the data file at path (the store closed) when
// an erasure marked it, then removes the mark; it reports whether it did.
func CompactIfPending(path string) (bool, error) {
	if _, err := os.Stat(CompactPending(path)); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err := Compact(path); err != nil {
		return false, err
	}
	return true, os.Remove(CompactPending(path))
}

// tombstonePrefix starts the key of an erased reply's digest in the
// replies bucket; no reply id starts with a NUL byte.
const tombstonePrefix = "\x00erased\x00"

// replyTombstone is the key that marks reply id as stored once and erased
// since: its SHA-256, so the key says nothing about whom.
func replyTombstone(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return append([]byte(tombstonePrefix), sum[:]...)
}
