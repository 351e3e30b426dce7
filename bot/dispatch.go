package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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

// job is a claimed item with the message composed for it (or the reason
// there is none: then only the settler sees it).
type job struct {
	outcome
	msg nudges.Message
}

// Dispatch delivers every outbox item ready now and returns how many it
// attempted. Items are claimed (marked sending) in batches, one commit per
// batch, before any platform call; the claimer composes their messages a
// chunk at a time, workers send them while the next batch is claimed, and a
// settler records outcomes in group commits as they arrive. A crash at any
// point leaves claimed items in sending, which Start reconciles: nothing is
// lost, and on platforms that can look up their history nothing is sent
// twice.
func (e *Engine) Dispatch(ctx context.Context) (int, error) {
	e.dispatch.Lock()
	defer e.dispatch.Unlock()
	cfg := e.Config()
	work := make(chan job, composeChunk)
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
			for chunk := range slices.Chunk(batch, composeChunk) {
				for _, j := range e.composeAll(cfg, chunk) {
					if j.composeErr != nil || j.skip != "" || j.err != nil {
						results <- j.outcome // nothing to send
						continue
					}
					work <- j
				}
			}
			if len(batch) < batchSize {
				return
			}
		}
	}()
	n := workers
	if s, ok := e.chat.(Sequential); ok && s.Sequential() {
		n = 1
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range work {
				j.ref, j.err = e.chat.Send(ctx, Recipient{Manager: j.item.Manager, Channel: j.item.Channel}, j.msg)
				results <- j.outcome
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

// composeChunk is how many claimed items are composed in one read
// transaction, just before workers take them: few enough that a message is
// composed from what the store knows moments before it goes out, even when
// the platform's pace stretches a batch over minutes.
const composeChunk = 32

// claim marks up to batchSize ready items as sending, in one commit.
func (e *Engine) claim(ctx context.Context) (batch []*store.Item, err error) {
	now := e.now()
	err = e.store.Write(ctx, func(tx *store.Tx) error {
		batch, err = tx.Claim(now, batchSize)
		return err
	})
	return batch, err
}

// composeAll composes each item's message from what the store knows now.
// Pacing within the platform's limits is the adapter's job.
func (e *Engine) composeAll(cfg *config.Config, items []*store.Item) []job {
	jobs := make([]job, len(items))
	err := e.store.View(func(tx *store.Tx) error {
		for i, it := range items {
			j := &jobs[i]
			j.item = it
			j.msg, j.skip, j.composeErr = e.compose(tx, cfg, it)
		}
		return nil
	})
	if err != nil { // not sent, so retried like any failed attempt
		for i, it := range items {
			jobs[i] = job{outcome: outcome{item: it, err: err}}
		}
	}
	return jobs
}

// settleAll records outcomes in group commits. It gathers up to
// settleBatch outcomes, waiting at most settleWait after the first: a commit
// costs two fsyncs and rewrites every outbox page it touches, so the fewer
// commits the less each delivery costs (2.3 KiB written a nudge at 10,000
// a second, where groups of 256 wrote 4), and recording deliveries a few
// milliseconds later risks nothing (a crash before it is settled through the
// platform's history). A dispatch that ends closes the channel, so its last
// group never waits. A failed attempt ends the group at once: a nudge held
// back by a rate limit must be ready again the moment its Retry-After is
// over, not a group later.
func (e *Engine) settleAll(ctx context.Context, cfg *config.Config, results <-chan outcome) error {
	var firstErr error
	for r := range results {
		batch := []outcome{r}
		timer := time.NewTimer(settleWait)
	more:
		for len(batch) < settleBatch && r.err == nil {
			select {
			case next, ok := <-results:
				if !ok {
					break more
				}
				r = next
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
	settleBatch = 2048
	settleWait  = 50 * time.Millisecond
)

// settle records a group of outcomes in one commit.
func (e *Engine) settle(ctx context.Context, cfg *config.Config, results []outcome) error {
	now := e.now()
	// In id order, the outbox's order: neighbours share pages, and the
	// cursor moves forward.
	slices.SortFunc(results, func(a, b outcome) int { return strings.Compare(a.item.ID, b.item.ID) })
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
			permanent, wait, reason := classify(r.err)
			if wait <= 0 {
				// Counted here, not at the claim (see Tx.Claim). A rate
				// limit posted nothing, so it does not count.
				it.Attempts++
			}
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
				switch {
				case permanent: // the platform's own code says it all
					it.State, it.Reason = store.Failed, reason
				case wait > 0:
					// Rate limited: it goes out again exactly when the
					// platform said, not after a backoff.
					it.State, it.Reason, it.NextAttempt = store.Pending, reason, now.Add(wait)
				case it.Attempts >= maxAttempts:
					it.State, it.Reason = store.Failed, fmt.Sprintf("gave up after %d attempts: %v", it.Attempts, r.err)
				default:
					it.State, it.Reason = store.Pending, reason
					it.NextAttempt = now.Add(backoff(it.Attempts))
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

// afterSent schedules the first reminder.
func (e *Engine) afterSent(tx *store.Tx, cfg *config.Config, it *store.Item, now time.Time) error {
	if it.Channel != "" || it.Kind == nudges.KindSummary || it.Kind == nudges.KindShoutOut {
		return nil
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
	_, err := tx.AddDue(store.Due{At: at, ID: fmt.Sprintf("%s/r%d", root, n), Manager: it.Manager, Kind: it.Kind, Parent: root, Reminder: n})
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
			cp.Attempts++
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
