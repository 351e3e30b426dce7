package store

import (
	"context"

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
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	if s.reqs == nil {
		return ErrClosed
	}
	req := request{fn: fn, done: make(chan error, 1)}
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	select {
	case s.reqs <- req:
	case <-s.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the write will be attempted; wait for its outcome even if
	// ctx ends, so a caller never reports failure for a write that landed.
	return <-req.done
}

func (s *Store) loop() {
	defer close(s.loopDone)
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
	err := s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		for _, r := range batch {
			if err := r.fn(tx); err != nil {
				return err
			}
		}
		return tx.flush()
	})
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.done <- s.db.Update(func(btx *bolt.Tx) error {
			tx := &Tx{tx: btx}
			if err := r.fn(tx); err != nil {
				return err
			}
			return tx.flush()
		})
	}
}
