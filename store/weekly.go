package store

import (
	"bytes"
)

// Who coached this week, per program: kept as check-ins are logged, so a
// reminder can say "7 of 12 managers have logged this week's check-in"
// with a count over one key range instead of a scan of the logs. Its
// bucket is made on first use.

var bucketCoached = []byte("coached") // program 0 week (YYYY-MM-DD, its Monday) 0 manager → nil

// MarkCoached records that manager logged a check-in in program in the
// week starting on monday (a local date, YYYY-MM-DD).
func (t *Tx) MarkCoached(program, monday, manager string) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketCoached)
	if err != nil {
		return err
	}
	return b.Put(pair(program, monday+"\x00"+manager), nil)
}

// Coached counts the managers who logged a check-in in program in the week
// starting on monday.
func (t *Tx) Coached(program, monday string) int {
	b := t.tx.Bucket(bucketCoached)
	if b == nil {
		return 0
	}
	prefix := pair(program, monday+"\x00")
	n := 0
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// eraseCoached drops the person's marks.
func (t *Tx) eraseCoached(m matcher) error {
	b := t.tx.Bucket(bucketCoached)
	if b == nil {
		return nil
	}
	_, err := deleteWhere(b, func(k, _ []byte) (bool, error) {
		i := bytes.LastIndexByte(k, 0)
		return i >= 0 && m.is(string(k[i+1:])), nil
	})
	return err
}

// DeleteCoachedBefore drops the marks of weeks that start before monday
// (YYYY-MM-DD): the retention job keeps them no longer than the logs.
func (t *Tx) DeleteCoachedBefore(monday string) (int, error) {
	b := t.tx.Bucket(bucketCoached)
	if b == nil {
		return 0, nil
	}
	return deleteWhere(b, func(k, _ []byte) (bool, error) {
		_, rest, _ := bytes.Cut(k, []byte{0})
		week, _, _ := bytes.Cut(rest, []byte{0})
		return string(week) < monday, nil
	})
}
