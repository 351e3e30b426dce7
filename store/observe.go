package store

// Commit is what one successful write transaction changed of the facts
// the figures are made of, handed to the observer after the commit is
// durable. A rolled-back transaction reports nothing: an observer that
// keeps running aggregates never counts a write that did not land.
type Commit struct {
	// Tx is the commit's transaction id: a reader whose snapshot has an
	// id (Tx.ID) at least this already holds what it changed.
	Tx uint64
	// Logs are the coaching logs added, in the order they were added.
	Logs []*Log
	// Items are the outbox items added, or whose state or answer changed.
	Items []ItemChange
	// Applications are the first applications recorded.
	Applications []Application
	// Reset says facts were removed in ways a delta cannot say (an
	// erasure, logs deleted by retention): an observer should recount
	// from the file.
	Reset bool
	// ItemsRemoved says outbox items were among the facts removed (an
	// erasure): an observer that counts only items recounts then, and not
	// after every run of log retention, which also resets.
	ItemsRemoved bool
}

// Application is a learner's first application of a program, as recorded.
type Application struct {
	Program, Learner string
	FirstApplication
}

func (c *Commit) empty() bool {
	return c == nil || len(c.Logs) == 0 && len(c.Items) == 0 && len(c.Applications) == 0 && !c.Reset
}

// Observe adds fn to the functions called after every commit that changed
// any fact, on the writer's goroutine before the writers are told their
// commit landed: fn must be quick (queue the change, not process it) and
// must not keep the pointers, which the writers own again once it
// returns.
func (s *Store) Observe(fn func(Commit)) {
	s.observeMu.Lock()
	defer s.observeMu.Unlock()
	var fns []func(Commit)
	if old := s.observers.Load(); old != nil {
		fns = append(fns, *old...)
	}
	fns = append(fns, fn)
	s.observers.Store(&fns)
}

// notify hands c to the observers.
func (s *Store) notify(c Commit) {
	if fns := s.observers.Load(); fns != nil && !c.empty() {
		for _, fn := range *fns {
			fn(c)
		}
	}
}

// itemChanged notes an item write for the observer when it is new, or its
// state, answer or subject (learner, module, schedule, delivery time,
// manager, program) changed: attempts that only move an item through
// delivery are not facts anyone counts.
func (t *Tx) itemChanged(old, it *Item) {
	if old != nil && old.State == it.State && old.Answered == it.Answered && old.Learner == it.Learner && old.Module == it.Module &&
		old.ScheduledAt.Equal(it.ScheduledAt) && old.SentAt.Equal(it.SentAt) && old.Manager == it.Manager && old.Program == it.Program {
		return
	}
	c := ItemChange{Item: it, New: old == nil}
	if old != nil {
		c.OldState = old.State
	}
	t.changes.Items = append(t.changes.Items, c)
}

// ItemChange is one item written: as it now stands, and what it was.
type ItemChange struct {
	Item     *Item
	New      bool
	OldState State
}
