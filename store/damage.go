package store

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// ErrDamaged means the data file is not a sound nudgebot file: truncated,
// overwritten, or with bytes changed under it. Nothing the bot does can fix
// that; the operator restores a backup. Every error the store returns for a
// damaged file matches it with errors.Is.
var ErrDamaged = errors.New("the data file is damaged")

// ErrEmpty is the damage of a data file that exists but holds nothing.
// Only a missing file means a first run: an empty one was lost (a full
// disk, a bad copy), and starting afresh on it would re-enrol everyone.
var ErrEmpty = fmt.Errorf("%w: it is empty (0 bytes; delete it only to start over as a first run, which sends every enrolment nudge again)", ErrDamaged)

// damage turns r, a value recovered from a panic or memory fault raised
// inside bbolt, into ErrDamaged. bbolt trusts its file: a page of the wrong
// type is a panic, a page past the end of a truncated file a SIGBUS.
// checkFile catches what it can at open; this catches the rest at the
// store's boundary. The goroutine that ran bbolt must have called
// debug.SetPanicOnFault(true) for faults to arrive as panics, and recover
// must be called by the deferred function itself:
//
//	defer func() { if r := recover(); r != nil { err = damage(r) } }()
//
// Panics raised by our callers' code (a bug, not the file) go on panicking.
func damage(r any) error {
	if !fromFile(r) {
		panic(r)
	}
	msg := strings.ReplaceAll(fmt.Sprint(r), "\n", " ")
	return fmt.Errorf("%w: %s", ErrDamaged, msg)
}

// fromFile reports whether panic value r was caused by the file's bytes: a
// memory fault, or a panic whose first frame outside the runtime is in
// bbolt or in this package. This package's code indexes nothing but the
// file's keys and values, so a short key (a length byte changed) is the
// file's fault too; callers' code, which runs inside View and Write, is
// not excused.
func fromFile(r any) bool {
	if re, ok := r.(runtime.Error); ok {
		if _, fault := re.(interface{ Addr() uintptr }); fault {
			return true
		}
	}
	// The stack still holds the panicking frames while deferred calls run.
	lines := strings.Split(string(debug.Stack()), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "panic(") {
			continue
		}
		for _, f := range lines[i+1:] {
			if f == "" || strings.HasPrefix(f, "\t") || strings.HasPrefix(f, "runtime.") {
				continue
			}
			return strings.HasPrefix(f, "go.etcd.io/bbolt") || strings.HasPrefix(f, "github.com/nudgebot/nudgebot/store.")
		}
	}
	return false
}

// fail records the first damage the store met: the writer refuses further
// writes with it, and Err reports it to readiness probes and to run, which
// stops the bot rather than work on a file it cannot trust.
func (s *Store) fail(err error) {
	if err == nil || !errors.Is(err, ErrDamaged) {
		return
	}
	s.damageOnce.Do(func() {
		s.damage = err
		close(s.damaged)
	})
}

// Damaged is closed once the store has met damage in the file.
func (s *Store) Damaged() <-chan struct{} { return s.damaged }

// Err is nil while the store can commit: not closed, no damage met.
func (s *Store) Err() error {
	select {
	case <-s.damaged:
		return s.damage
	default:
	}
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	return nil
}

// checkBuckets fails when a bucket the code relies on is missing: a name
// changed in the file would otherwise be a nil bucket and a panic in the
// middle of a sweep.
func (t *Tx) checkBuckets() error {
	for _, b := range slices.Concat(allBuckets, [][]byte{bucketIdents, bucketOpen, bucketXAPI, bucketXAPILog, bucketLMSMeta, bucketXAPIOut}) {
		if t.tx.Bucket(b) == nil {
			return fmt.Errorf("%w: bucket %q is missing", ErrDamaged, b)
		}
	}
	return nil
}
