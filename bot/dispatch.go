package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// outcome is what one delivery attempt came to.
type outcome struct {
	item *store.Item
	ref  string
	err  error
	// compose failures are permanent and never reach the platform
	composeErr error
	skip       string
}

// Dispatch delivers every outbox item ready now and returns how many it
// attempted. Items are claimed (marked sending) in batches, one commit per
// batch, before any platform call; workers compose and send them while the
// next batch is claimed; a settler records outcomes in group commits as they
// arrive. A crash at any point leaves claimed items in sending, which Start
// reconciles: nothing is lost, and on platforms that can look up their
// history nothing is sent twice.
func (e *Engine) Dispatch(ctx context.Context) (int, error) {
	e.dispatch.Lock()
	defer e.dispatch.Unlock()
	cfg := e.Config()
	work := make(chan *store.Item, batchSize)
	results := make(chan outcome, batchSize)
	var claimErr error
	claimed := 0
	go func() { // the claimer
		defer close(work)
		for ctx.Err() == nil {
			batch, err := e.claim(ctx)
			if err != nil {
				claimErr = err
				return
			}
			claimed += len(batch)
			for _, it := range batch {
				work <- it
			}
			if len(batch) < batchSize {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for it := range work {
				results <- e.deliverOne(ctx, cfg, it)
			}
		})
	}
	go func() { wg.Wait(); close(results) }()
	settleErr := e.settleAll(ctx, cfg, results)
	if claimErr != nil {
		return claimed, fmt.Errorf("claim ready items: %w", claimErr)
	}
	return claimed, settleErr
}

// claim marks up to batchSize ready items as sending, in one commit.
func (e *Engine) claim(ctx context.Context) ([]*store.Item, error) {
	now := e.now()
	var batch []*store.Item
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		items, err := tx.Ready(now, batchSize)
		if err != nil {
			return err
		}
		batch = batch[:0]
		for _, it := range items {
			cur := *it
			it.State = store.Sending
			it.Attempts++
			if err := tx.UpdateItem(&cur, it); err != nil {
				return err
			}
			batch = append(batch, it)
		}
		return nil
	})
	return batch, err
}

// deliverOne composes an item's message from what the store knows now and
// hands it to the platform. Pacing within the platform's limits is the
// adapter's job.
func (e *Engine) deliverOne(ctx context.Context, cfg *config.Config, it *store.Item) outcome {
	r := outcome{item: it}
	var msg nudges.Message
	if err := e.store.View(func(tx *store.Tx) error {
		msg, r.skip, r.composeErr = e.compose(tx, cfg, it)
		return nil
	}); err != nil {
		r.err = err
		return r
	}
	if r.composeErr != nil || r.skip != "" {
		return r
	}
	r.ref, r.err = e.chat.Send(ctx, Recipient{Manager: it.Manager, Channel: it.Channel}, msg)
	return r
}

// settleAll records outcomes in group commits. It gathers up to
// settleBatch outcomes, waiting at most settleWait after the first: a commit
// costs two fsyncs, and recording deliveries a few milliseconds later risks
// nothing (a crash before it is settled through the platform's history).
func (e *Engine) settleAll(ctx context.Context, cfg *config.Config, results <-chan outcome) error {
	var firstErr error
	for r := range results {
		batch := []outcome{r}
		timer := time.NewTimer(settleWait)
	more:
		for len(batch) < settleBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			case <-timer.C:
				break more
			}
		}
		timer.Stop()
		// Settle even when ctx has ended: the platform call happened, and
		// recording it is what keeps a restart from sending it again.
		if err := e.settle(context.WithoutCancel(ctx), cfg, batch); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// Settling in groups: see settleAll.
const (
	settleBatch = 256
	settleWait  = 10 * time.Millisecond
)

// settle records a group of outcomes in one commit.
func (e *Engine) settle(ctx context.Context, cfg *config.Config, results []outcome) error {
	now := e.now()
	var done []store.Item
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		done = done[:0]
		for _, r := range results {
			// Re-read: the manager may have answered the nudge the instant
			// it was posted; only the delivery's own fields change here.
			cur, err := tx.Item(r.item.ID)
			if err != nil {
				return err
			}
			if cur == nil || cur.State != store.Sending {
				continue
			}
			it := *cur
			switch {
			case r.composeErr != nil:
				it.State, it.Reason = store.Failed, r.composeErr.Error()
			case r.skip != "":
				it.State, it.Reason = store.Skipped, r.skip
			case r.err == nil:
				it.State, it.Ref, it.SentAt, it.Reason = store.Sent, r.ref, now, ""
				if err := e.afterSent(tx, cfg, &it, now); err != nil {
					return err
				}
			default:
				permanent, wait, reason := classify(r.err)
				switch {
				case permanent: // the platform's own code says it all
					it.State, it.Reason = store.Failed, reason
				case wait > 0:
					// Rate limited: nothing was posted, so the attempt does
					// not count against the item, and it goes out again
					// exactly when the platform said, not after a backoff.
					it.Attempts--
					it.State, it.Reason, it.NextAttempt = store.Pending, reason, now.Add(wait)
				case it.Attempts >= maxAttempts:
					it.State, it.Reason = store.Failed, fmt.Sprintf("gave up after %d attempts: %v", it.Attempts, r.err)
				default:
					it.State, it.Reason = store.Pending, reason
					it.NextAttempt = now.Add(max(wait, backoff(it.Attempts)))
				}
			}
			if err := tx.UpdateItem(cur, &it); err != nil {
				return err
			}
			done = append(done, it)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record deliveries: %w", err)
	}
	for _, it := range done {
		ev := e.log.Info()
		if it.State != store.Sent {
			ev = e.log.Warn()
		}
		ev.Str("nudge_id", it.ID).Str("manager", it.Manager).Str("kind", string(it.Kind)).
			Int("attempt", it.Attempts).Str("state", string(it.State)).Str("reason", it.Reason).Msg("delivery")
		if e.OnDelivered != nil {
			e.OnDelivered(it)
		}
	}
	return nil
}

// afterSent schedules the first reminder and remembers the manager's latest
// nudge (free-text notes attach to it).
func (e *Engine) afterSent(tx *store.Tx, cfg *config.Config, it *store.Item, now time.Time) error {
	if it.Channel != "" || it.Kind == nudges.KindSummary || it.Kind == nudges.KindShoutOut {
		return nil
	}
	st, err := tx.ManagerState(it.Manager)
	if err != nil {
		return err
	}
	st.LastNudge = it.ID
	if err := tx.PutManagerState(it.Manager, st); err != nil {
		return err
	}
	c, m := cfg.Cadence(it.Cadence), cfg.Manager(it.Manager)
	if c == nil || m == nil || c.RemindAfter == 0 || it.Reminder >= c.MaxReminders {
		return nil
	}
	root := it.ID
	if it.Parent != "" {
		root = it.Parent
	}
	if it.Parent != "" && it.Reminder == 0 {
		return nil // a snoozed copy: the manager already chose when to see it
	}
	at, ok := m.Calendar.NextWorkingInstant(now.Add(c.RemindAfter))
	if !ok {
		return nil
	}
	n := it.Reminder + 1
	_, err = tx.AddDue(store.Due{At: at, ID: fmt.Sprintf("%s/r%d", root, n), Manager: it.Manager, Kind: it.Kind, Parent: root, Reminder: n})
	return err
}

// backoff is capped exponential with full jitter: retries of many items
// spread out instead of arriving at the platform together.
func backoff(attempt int) time.Duration {
	d := retryBase << min(attempt-1, 16)
	d = min(d, retryMax)
	return d/2 + rand.N(d/2+1)
}

// reconcileInFlight settles items left in sending by a crash: a platform
// that can look up its own history tells us which were posted; the rest are
// sent again (at-least-once, limited to the batch that was in flight). When
// the platform cannot be asked right now, the item stays in sending and a
// later pass (Run retries every few minutes) settles it: starting the bot
// must not depend on the platform's history being reachable.
func (e *Engine) reconcileInFlight(ctx context.Context) error {
	// Holding the dispatch lock, no item is genuinely in flight: every
	// sending item is a leftover.
	e.dispatch.Lock()
	defer e.dispatch.Unlock()
	var items []*store.Item
	if err := e.store.View(func(tx *store.Tx) (err error) {
		items, err = tx.InFlight()
		return err
	}); err != nil || len(items) == 0 {
		return err
	}
	rec, _ := e.chat.(Reconciler)
	now := e.now()
	for _, it := range items {
		found, ref := false, ""
		if rec != nil {
			var err error
			ref, found, err = rec.Delivered(ctx, Recipient{Manager: it.Manager, Channel: it.Channel}, it.ID, it.ScheduledAt.Add(-time.Hour))
			if err != nil {
				e.log.Warn().Err(err).Str("nudge_id", it.ID).Msg("cannot tell yet whether an interrupted delivery was posted; will ask again")
				continue
			}
		}
		err := e.store.Write(ctx, func(tx *store.Tx) error {
			cur, err := tx.Item(it.ID) // as it is now: a reply may have landed since
			if err != nil || cur == nil || cur.State != store.Sending {
				return err
			}
			cp := *cur
			if found {
				cp.State, cp.Ref, cp.SentAt = store.Sent, ref, now
				if err := e.afterSent(tx, e.Config(), &cp, now); err != nil {
					return err
				}
			} else {
				cp.State, cp.NextAttempt = store.Pending, now
			}
			return tx.UpdateItem(cur, &cp)
		})
		if err != nil {
			return err
		}
		e.log.Info().Str("nudge_id", it.ID).Bool("already_posted", found).Msg("settled delivery interrupted by a restart")
	}
	return nil
}

var errNoLongerOnRoster = errors.New("no longer on the roster")
