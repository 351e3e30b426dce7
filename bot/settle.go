package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

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
		for len(batch) < settleBatch && r.err == nil && r.verdict == delivered {
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
			var it store.Item
			switch {
			case r.composeErr != nil:
				it = *cur
				it.State, it.Reason = store.Failed, r.composeErr.Error()
			case r.skip != "":
				it = *cur
				it.State, it.Reason = store.Skipped, r.skip
			case r.err != nil:
				it = next(*cur, attempt{verdict: failedTry, reason: r.err.Error(), backoff: backoff(cur.Attempts + 1)}, now, cfg.RetryFor)
			default:
				it = next(*cur, r.attempt, now, cfg.RetryFor)
			}
			if it.State == store.Sent {
				if err := e.afterSent(tx, cfg, &it, now); err != nil {
					return err
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

// reconcileInFlight puts items a crash left in sending back in the queue,
// marked unsure: whether each was posted is then asked of the platform's
// history when its turn comes (one look per conversation, see deliver),
// before anything is sent again. Starting the bot asks nothing of the
// platform, so it does not depend on the platform being reachable.
func (e *Engine) reconcileInFlight(ctx context.Context) error {
	// Holding the dispatch lock, no item is genuinely in flight: every
	// sending item is a leftover.
	e.dispatch.Lock()
	defer e.dispatch.Unlock()
	now := e.now()
	n := 0
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		items, err := tx.InFlight()
		if err != nil {
			return err
		}
		n = len(items)
		for _, cur := range items {
			it := *cur
			it.State, it.NextAttempt, it.Unsure = store.Pending, now, true
			if err := tx.UpdateItem(cur, &it); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("requeue deliveries interrupted by a restart: %w", err)
	}
	if n > 0 {
		e.log.Info().Int("items", n).Msg("deliveries interrupted by a restart are queued again, to be checked against the platform before any resend")
	}
	return nil
}
