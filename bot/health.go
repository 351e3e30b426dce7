package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/nudgebot/nudgebot/store"
)

// DeliveryHealth is what the outbox's failed and skipped nudges say about
// delivery: failures grouped by reason, and per manager and reason the
// nudges that failed (they cannot be reached) or were skipped (they were
// suppressed). Lists are ordered most first.
type DeliveryHealth struct {
	Failures    []ReasonCount
	Unreachable []ManagerReason
	Suppressed  []ManagerReason
}

// ReasonCount is how many nudges share a reason.
type ReasonCount struct {
	Reason string
	N      int
}

// ManagerReason is how many of a manager's nudges share a reason.
type ManagerReason struct {
	Manager, Reason string
	N               int
}

// DeliveryHealth returns the outbox's health as it stands after the last
// commit. The figures are kept as commits land (see health), so a view
// costs what was written since the last one, not a read of the outbox:
// only the first call, and the first after an erasure, reads it all.
func (e *Engine) DeliveryHealth(ctx context.Context) (DeliveryHealth, error) {
	return e.health.read(ctx)
}

// reasonOf keeps a reason's first clause: reasons carry details (ids,
// times) that would make every failure its own group.
func reasonOf(r string) string {
	if r == "" {
		return "unknown"
	}
	if i := strings.IndexAny(r, ":("); i > 0 {
		r = r[:i]
	}
	return strings.TrimSpace(r)
}

// health keeps DeliveryHealth up to date from the store's commits.
//
// It is built by one read of the outbox the first time it is asked for,
// not when the engine starts: a bot nobody views the dashboard of never
// pays for it (a quarter of a second's read of a million nudges, and the
// memory), and until then the observer only returns.
//
// The commits are the only way it learns of changes, and they arrive on
// the store's writer goroutine, which must not wait: the observer copies
// the few fields it needs into a queue, and the next reader applies the
// queue. What it keeps is absolute, not a delta: for every failed or
// skipped nudge, its state, manager and reason, by id. Applying a change
// sets a nudge's entry to what the commit says it now is, so applying a
// change twice, or one the read already saw, changes nothing, and the
// last change of a nudge wins. That makes the read and the commits
// landing during it easy to reconcile: the queue is started before the
// read transaction begins, so every commit is either in the read's
// snapshot or in the queue (or both), and applying the queue on top of
// the read gives the outbox as of the queue's last commit.
//
// The store reports an item when its state, answer or subject changes,
// not when only its reason does. That is enough: failed and skipped are
// final but for an admin's retry (failed → pending, a change of state),
// so a counted nudge's reason never changes unseen. Removals say only
// that items went (Commit.ItemsRemoved): the view is then read again.
type health struct {
	st *store.Store

	// qmu guards the queue and what says whether it is being kept. The
	// writer's goroutine takes it to append only.
	qmu sync.Mutex
	// keeping is true while a view is built or valid: commits are queued.
	keeping bool
	queue   []healthChange
	// gen counts the commits that removed nudges (an erasure) and queues
	// dropped for their length: a view built before the latest is stale.
	gen uint64

	// busy is held by the one reader that applies the queue or builds the
	// view; the others wait for it (or for their context to end).
	busy chan struct{}
	view *healthView // guarded by busy
	// limit bounds the queue when nobody reads: past it the queue is
	// dropped and the next reader builds afresh, which costs one read of
	// the outbox rather than memory without end.
	limit int
	// testHook, when set, runs at each step of a build (tests).
	testHook func(step string)
}

// healthChange is a nudge as a commit left it, copied from the commit.
type healthChange struct {
	id, manager, reason string
	state               store.State
}

// watchHealth returns the health of st's outbox and registers the
// observer that keeps it.
func watchHealth(st *store.Store) *health {
	h := &health{st: st, busy: make(chan struct{}, 1), limit: 1 << 16}
	st.Observe(h.observe)
	return h
}

// counted says whether a state is one the health counts.
func counted(s store.State) bool { return s == store.Failed || s == store.Skipped }

// observe queues the changes a commit made to failed and skipped nudges.
// It runs on the store's writer goroutine: it copies and appends, nothing
// more.
func (h *health) observe(c store.Commit) {
	h.qmu.Lock()
	defer h.qmu.Unlock()
	if c.ItemsRemoved {
		// Nudges were removed (an erasure), which no change says: the
		// view is stale and is built again when next read. Other resets
		// (retention deleting logs) leave the outbox as it was.
		h.drop()
		return
	}
	if !h.keeping {
		return
	}
	for _, ch := range c.Items {
		if !counted(ch.Item.State) && (ch.New || !counted(ch.OldState)) {
			continue
		}
		h.queue = append(h.queue, healthChange{id: ch.Item.ID, manager: ch.Item.Manager, reason: reasonOf(ch.Item.Reason), state: ch.Item.State})
	}
	if len(h.queue) > h.limit {
		h.drop()
	}
}

// drop stops keeping the queue and makes the view stale. The caller holds
// qmu.
func (h *health) drop() {
	h.keeping, h.queue = false, nil
	h.gen++
}

func (h *health) read(ctx context.Context) (DeliveryHealth, error) {
	select {
	case h.busy <- struct{}{}:
	case <-ctx.Done():
		return DeliveryHealth{}, ctx.Err()
	}
	defer func() { <-h.busy }()
	for {
		h.qmu.Lock()
		if h.keeping && h.view != nil && h.view.gen == h.gen {
			q := h.queue
			h.queue = nil
			h.qmu.Unlock()
			h.view.apply(q)
			return h.view.result(), nil
		}
		// Build: start queueing first, so that no commit falls between
		// the read's snapshot and the queue (see health).
		h.keeping, h.queue, h.view = true, nil, nil
		gen := h.gen
		h.qmu.Unlock()
		v, err := h.build(ctx, gen)
		if err != nil {
			h.qmu.Lock()
			h.keeping, h.queue = false, nil
			h.qmu.Unlock()
			return DeliveryHealth{}, err
		}
		// If an erasure landed meanwhile, gen moved on and the next turn
		// builds again: the snapshot may predate it.
		h.view = v
	}
}

// build reads the outbox's failed and skipped nudges into a view.
func (h *health) build(ctx context.Context, gen uint64) (*healthView, error) {
	h.hook("queueing")
	v := newHealthView(gen)
	n := 0
	err := h.st.View(func(tx *store.Tx) error {
		h.hook("snapshot")
		defer tx.ReleaseMapped() // the whole outbox was read
		return tx.ItemsIn(func(it *store.Item) error {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			v.set(healthChange{id: it.ID, manager: it.Manager, reason: reasonOf(it.Reason), state: it.State})
			return nil
		}, store.Failed, store.Skipped)
	})
	if err != nil {
		return nil, fmt.Errorf("read delivery health: %w", err)
	}
	return v, nil
}

func (h *health) hook(step string) {
	if h.testHook != nil {
		h.testHook(step)
	}
}
