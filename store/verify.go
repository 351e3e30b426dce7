package store

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// maxProblems bounds what Verify lists: past a few, more add nothing to
// "restore from a backup".
const maxProblems = 10

// Verify checks the whole file, as far as can be without a second copy:
// the structure of every page (stricter than Open's check: every element
// and the key order of every page), bbolt's own consistency check, and
// that every record decodes. It returns how many records each bucket
// holds. Any problem is an error matching ErrDamaged that lists the first
// few.
func (s *Store) Verify(ctx context.Context) (map[string]int, error) {
	f, err := os.Open(s.db.Path())
	if err != nil {
		return nil, err
	}
	err = checkFile(f, true)
	f.Close()
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int)
	var problems []string
	err = s.View(func(tx *Tx) error {
		for err := range tx.tx.Check() {
			if len(problems) < maxProblems {
				problems = append(problems, strings.ReplaceAll(err.Error(), "\n", " "))
			}
		}
		if len(problems) > 0 {
			return nil // the records of a broken tree are not worth reading
		}
		for name, check := range recordChecks {
			b := tx.tx.Bucket([]byte(name))
			if b == nil {
				problems = append(problems, fmt.Sprintf("bucket %q is missing", name))
				continue
			}
			n := 0
			err := b.ForEach(func(k, v []byte) error {
				if n++; n%4096 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				if err := check(k, v); err != nil && len(problems) < maxProblems {
					problems = append(problems, fmt.Sprintf("%s record %q: %v", name, k, strings.TrimPrefix(err.Error(), ErrDamaged.Error()+": ")))
				}
				return nil
			})
			if err != nil {
				return err
			}
			counts[name] = n
		}
		return nil
	})
	if err == nil && len(problems) > 0 {
		err = fmt.Errorf("%w: %s", ErrDamaged, strings.Join(problems, "; "))
	}
	return counts, err
}

// recordChecks says, per bucket, what a sound record is.
var recordChecks = map[string]func(k, v []byte) error{
	"meta": func(k, v []byte) error {
		switch key := string(k); {
		case key == "schema" || key == "schedule_fp":
			return length(v, 8)
		case key == "first_run":
			var d nudges.Date
			return d.UnmarshalText(v)
		case strings.HasPrefix(key, metaPaused) && string(v) != "paused" && string(v) != "resumed":
			return fmt.Errorf("pause record %q", v)
		}
		return nil
	},
	"due":      func(k, v []byte) error { var x Due; return firstErr(length(k, 9), decodeDue(v, &x)) },
	"sched":    func(_, v []byte) error { return length(v, 8) },
	"outbox":   func(_, v []byte) error { var x Item; return decodeItem(v, &x) },
	"ready":    func(k, _ []byte) error { return length(k, 9) },
	"sending":  func([]byte, []byte) error { return nil },
	"counts":   func(_, v []byte) error { return length(v, 8) },
	"logs":     func(_, v []byte) error { var x Log; return decodeLog(v, &x) },
	"replies":  func([]byte, []byte) error { return nil },
	"managers": func(_, v []byte) error { var x ManagerState; return decodeManagerState(v, &x) },
	"firstapp": func(_, v []byte) error { var x FirstApplication; return decodeJSON(v, &x) },
	"events":   func([]byte, []byte) error { return nil },
	"daycount": func(_, v []byte) error { return length(v, 8) },
	"idents":   func([]byte, []byte) error { return nil },
	"open":     func([]byte, []byte) error { return nil },
	"xapi":     func(_, v []byte) error { return length(v, 8) },
	"xapilog":  func(k, v []byte) error { var x Statement; return firstErr(length(k, 8), decodeStatement(v, &x)) },
	"lmsmeta":  func([]byte, []byte) error { return nil },
	"xapiout":  func(_, v []byte) error { var x WriteBack; return decodeJSON(v, &x) },
}

// length fails unless b is exactly n bytes long, or at least n-1 bytes for
// keys that are a fixed prefix and an id (n = prefix+1).
func length(b []byte, n int) error {
	if len(b) == n || n == 9 && len(b) >= 9 {
		return nil
	}
	return fmt.Errorf("%d bytes where %d belong", len(b), n)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
