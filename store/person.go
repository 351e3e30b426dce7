package store

import (
	"bytes"
	"fmt"
)

// PersonData is everything the data file holds about one person, as a
// manager (their logs, memory, outbox) or as a learner (logs about them,
// their first applications): what an export hands over.
type PersonData struct {
	ID                string                      `json:"id"`
	Logs              []*Log                      `json:"logs"`
	State             *ManagerState               `json:"state,omitempty"`
	Nudges            []*Item                     `json:"nudges,omitempty"`
	FirstApplications map[string]FirstApplication `json:"first_applications,omitempty"`
}

// Person collects what the file holds about id.
func (t *Tx) Person(id string) (*PersonData, error) {
	p := &PersonData{ID: id, Logs: []*Log{}, FirstApplications: map[string]FirstApplication{}}
	err := t.personLogs(id, func(_ []byte, l *Log) error { p.Logs = append(p.Logs, l); return nil })
	if err != nil {
		return nil, err
	}
	if raw := t.tx.Bucket(bucketManagers).Get([]byte(id)); raw != nil {
		var st ManagerState
		if err := decodeManagerState(raw, &st); err != nil {
			return nil, fmt.Errorf("decode state of %q: %w", id, err)
		}
		p.State = &st
	}
	err = t.Items(func(it *Item) error {
		if it.Manager == id {
			cp := *it
			p.Nudges = append(p.Nudges, &cp)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = t.firstApps(id, func(k []byte, program string) error {
		var fa FirstApplication
		if _, err := getJSON(t.tx.Bucket(bucketFirstApp), k, &fa); err != nil {
			return err
		}
		p.FirstApplications[program] = fa
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ErasePerson deletes the coaching logs by or about id, the bot's memory of
// them as a manager and their first applications, and returns how many
// records went. Reply ids stay known, so a platform redelivering one of the
// erased replies cannot bring it back. Outbox items stay: they carry ids
// and states, not what anyone wrote, and delivery needs them.
func (t *Tx) ErasePerson(id string) (int, error) {
	var keys [][]byte
	err := t.personLogs(id, func(k []byte, _ *Log) error { keys = append(keys, bytes.Clone(k)); return nil })
	if err != nil {
		return 0, err
	}
	logs := t.tx.Bucket(bucketLogs)
	for _, k := range keys {
		if err := logs.Delete(k); err != nil {
			return 0, err
		}
	}
	n := len(keys)
	if mb := t.tx.Bucket(bucketManagers); mb.Get([]byte(id)) != nil {
		if err := mb.Delete([]byte(id)); err != nil {
			return 0, err
		}
		n++
	}
	var fas [][]byte
	err = t.firstApps(id, func(k []byte, _ string) error { fas = append(fas, bytes.Clone(k)); return nil })
	if err != nil {
		return 0, err
	}
	for _, k := range fas {
		if err := t.tx.Bucket(bucketFirstApp).Delete(k); err != nil {
			return 0, err
		}
	}
	return n + len(fas), nil
}

// personLogs visits the logs written by id (one seek) and those about id
// as a learner (a scan: erasure and export are rare).
func (t *Tx) personLogs(id string, fn func(k []byte, l *Log) error) error {
	own := pair(id, "")
	return t.tx.Bucket(bucketLogs).ForEach(func(k, v []byte) error {
		var l Log
		if err := decodeLog(v, &l); err != nil {
			return fmt.Errorf("decode log %q: %w", k, err)
		}
		if bytes.HasPrefix(k, own) || l.Learner == id {
			return fn(k, &l)
		}
		return nil
	})
}

func (t *Tx) firstApps(learner string, fn func(k []byte, program string) error) error {
	return t.tx.Bucket(bucketFirstApp).ForEach(func(k, _ []byte) error {
		i := bytes.IndexByte(k, 0)
		if i >= 0 && string(k[i+1:]) == learner {
			return fn(k, string(k[:i]))
		}
		return nil
	})
}
