package store

import (
	"context"
	"errors"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

type request struct {
	fn   func(*Tx) error
	done chan error
}

// maxBatch bounds one commit so a flood of writers cannot make a single
// transaction (and the wait of the first caller in it) grow without end.
const maxBatch = 2048

// Write runs fn in a write transaction and returns once that transaction is
// durably committed (or failed). Writes queued while a commit is in flight
// share the next commit.
//
// fn may run twice: when any function in a shared commit fails, the commit
// is rolled back and each function is retried in a transaction of its own,
// so one bad reply cannot fail its neighbours. fn must therefore only touch
// the store through tx and reset anything it reports through closures.
//
// After Close, or once the file is known to be damaged, Write returns
// ErrClosed or the damage (ErrDamaged) at once, without queueing.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	if s.reqs == nil {
		return ErrClosed
	}
	if err := s.Err(); err != nil {
		return err
	}
	testHookWrite()
	req := request{fn: fn, done: make(chan error, 1)}
	// Under sendMu, closed is settled: either Close has not begun (the loop
	// will read this request before it drains and exits) or it has (refuse).
	s.sendMu.RLock()
	if s.closed {
		s.sendMu.RUnlock()
		return ErrClosed
	}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		s.sendMu.RUnlock()
		return ctx.Err()
	}
	s.sendMu.RUnlock()
	// Once queued, the write will be attempted; wait for its outcome even if
	// ctx ends, so a caller never reports failure for a write that landed.
	return <-req.done
}

// testHookWrite runs between Write's first closed check and its enqueue,
// where a racing Close used to strand the request.
var testHookWrite = func() {}

func (s *Store) loop() {
	defer close(s.loopDone)
	// A fault reading a damaged page must reach damage as a panic, not
	// kill the process.
	debug.SetPanicOnFault(true)
	batch := make([]request, 0, maxBatch)
	for {
		select {
		case req := <-s.reqs:
			batch = append(batch[:0], req)
		case <-s.closing:
			// Drain what was queued before Close so no accepted write is lost.
			for {
				select {
				case req := <-s.reqs:
					s.commit([]request{req})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-s.reqs:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

func (s *Store) commit(batch []request) {
	err := s.update(batch)
	if err == nil || len(batch) == 1 || errors.Is(err, ErrDamaged) {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.done <- s.update([]request{r})
	}
}

// releaseEvery is how many transactions pass between handing the data
// file's mapped pages back to the kernel (see ReleaseMapped): a bot
// answering managers all day reads index pages all over the file, and
// without this its resident set would grow to the file's size. Mapping a
// page again costs a minor fault, not a read.
const releaseEvery = 64

// update runs batch in one write transaction. Once the file is known to be
// damaged it commits nothing more: every write is refused with the damage.
func (s *Store) update(batch []request) (err error) {
	if err := s.Err(); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = damage(r)
		}
		s.fail(err)
	}()
	var tx *Tx
	err = s.db.Update(func(btx *bolt.Tx) error {
		tx = &Tx{tx: btx}
		for _, r := range batch {
			if err := r.fn(tx); err != nil {
				return err
			}
		}
		if s.commits.Add(1)%releaseEvery == 0 {
			tx.ReleaseMapped()
		}
		tx.changes.Tx = tx.ID()
		return tx.flush()
	})
	if err == nil {
		s.notify(tx.changes)
	}
	return err
}
