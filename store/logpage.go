package store

import (
	"bytes"
	"fmt"
)

// LogsAfter visits logs in key order (by manager, then time) starting just
// after key after (nil: the first), only manager's when manager is set,
// until fn returns false. fn gets each log's key, the cursor a next page
// starts from. Paging this way costs one seek per page, however deep.
func (t *Tx) LogsAfter(after []byte, manager string, fn func(key []byte, l *Log) (bool, error)) error {
	c := t.tx.Bucket(bucketLogs).Cursor()
	var prefix []byte
	if manager != "" {
		prefix = pair(manager, "")
	}
	var k, v []byte
	switch {
	case after != nil:
		if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	case prefix != nil:
		k, v = c.Seek(prefix)
	default:
		k, v = c.First()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var l Log
		if err := decodeLog(v, &l); err != nil {
			return fmt.Errorf("decode log %q: %w", k, err)
		}
		more, err := fn(k, &l)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
