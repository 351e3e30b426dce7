package bot

import (
	"context"
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

// outcome is what became of a claimed item: an attempt, or the reason
// nothing was sent.
type outcome struct {
	item *store.Item
	attempt
	// compose failures are permanent and never reach the platform
	composeErr error
	skip       string
	// err: the store could not compose the message; retried like a failed
	// attempt
	err error
}

// job is a claimed item with the message composed for it (or the reason
// there is none: then only the settler sees it).
type job struct {
	outcome
	msg nudges.Message
}

// with is j's outcome after attempt a.
func (j job) with(a attempt) outcome {
	o := j.outcome
	o.attempt = a
	return o
}

// to is where j's message goes.
func (j job) to() Recipient { return Recipient{Manager: j.item.Manager, Channel: j.item.Channel} }

// Dispatch delivers every outbox item ready now and returns how many it
// attempted. Items are claimed (marked sending) in batches, one commit per
// batch, before any platform call, and no more at once than the platform
// can send in a few seconds at its pace (see Pacer); the claimer composes
// their messages a chunk at a time, workers send them while the next batch
// is claimed, and a settler records outcomes in group commits as they
// arrive. A crash at any point leaves claimed items in sending, which Start
// marks unsure: nothing is lost, and on platforms that can look up their
// history nothing is sent twice.
//
// When ctx ends, nothing more is claimed or started: claimed items not yet
// on their way go back to the queue without an attempt, and sends already
// on their way get the configured shutdown grace to finish.
func (e *Engine) Dispatch(ctx context.Context) (int, error) {
	e.dispatch.Lock()
	defer e.dispatch.Unlock()
	cfg := e.Config()
	sendCtx, cancel := sendContext(ctx, cfg.ShutdownGrace)
	defer cancel()
	work := make(chan []job)
	results := make(chan outcome, batchSize)
	var claimErr error
	claimed := 0
	// window holds a slot for each item claimed and not yet sent: no
	// more than the platform sends in claimAhead are ever claimed ahead.
	window := make(chan struct{}, e.claimLimit())
	release := func(n int) {
		for range n {
			<-window
		}
	}
	go func() { // the claimer
		defer close(work)
		for ctx.Err() == nil {
			n := reserve(ctx, window)
			if n == 0 {
				return
			}
			batch, err := e.claim(ctx, n)
			if err != nil {
				release(n)
				claimErr = err
				return
			}
			release(n - len(batch))
			claimed += len(batch)
			for chunk := range slices.Chunk(batch, composeChunk) {
				handed := 0
				for _, g := range groups(e.composeAll(cfg, chunk), results) {
					select {
					case work <- g:
						handed += len(g)
					case <-ctx.Done():
						for _, j := range g {
							results <- j.with(attempt{verdict: untried})
						}
					}
				}
				release(len(chunk) - handed)
			}
			if len(batch) < n {
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
			for g := range work {
				e.deliver(ctx, sendCtx, cfg, g, results)
				release(len(g))
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

// claimAhead is how much sending, at the platform's pace, is claimed ahead:
// enough to keep the workers busy, little enough that what a crash leaves
// in flight is checked in seconds.
const claimAhead = 3 * time.Second

// claimLimit is how many items one claim takes.
func (e *Engine) claimLimit() int {
	if p, ok := e.chat.(Pacer); ok {
		return min(batchSize, max(p.Capacity(claimAhead), 1))
	}
	return batchSize
}

// reserve takes a slot of the window, waiting for one if need be, and as
// many more as are free; it returns how many it took (0 once ctx ends).
func reserve(ctx context.Context, window chan struct{}) int {
	select {
	case window <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < cap(window) {
		select {
		case window <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// groups turns composed jobs into units of work: items that need nothing
// sent go straight to the settler; unsure items of one recipient travel
// together, so one look at the conversation answers for all of them; every
// other item goes alone.
func groups(jobs []job, results chan<- outcome) [][]job {
	var out [][]job
	unsureOf := map[Recipient]int{}
	for _, j := range jobs {
		if j.composeErr != nil || j.skip != "" || j.err != nil {
			results <- j.outcome // nothing to send
			continue
		}
		if !j.item.Unsure {
			out = append(out, []job{j})
			continue
		}
		to := j.to()
		if i, ok := unsureOf[to]; ok {
			out[i] = append(out[i], j)
			continue
		}
		unsureOf[to] = len(out)
		out = append(out, []job{j})
	}
	return out
}

// deliver sends one unit of work (see groups). Unsure items are looked up
// in the platform's history first: those found are recorded as delivered,
// never sent again. Nothing is started once ctx has ended.
func (e *Engine) deliver(ctx, sendCtx context.Context, cfg *config.Config, g []job, results chan<- outcome) {
	checked := false
	if g[0].item.Unsure {
		if rec, ok := e.chat.(Reconciler); ok {
			if ctx.Err() != nil {
				for _, j := range g {
					results <- j.with(attempt{verdict: untried})
				}
				return
			}
			ids := make([]string, len(g))
			since := g[0].item.ScheduledAt
			for i, j := range g {
				ids[i] = j.item.ID
				if j.item.ScheduledAt.Before(since) {
					since = j.item.ScheduledAt
				}
			}
			found, err := rec.Delivered(sendCtx, g[0].to(), ids, since.Add(-time.Hour))
			if err != nil {
				for _, j := range g {
					a := e.attemptOf(j, fmt.Errorf("cannot tell whether it was posted: %w", err))
					if a.verdict == unsure || a.verdict == delivered {
						a.verdict = failedTry
					}
					results <- j.with(a)
				}
				return
			}
			rest := g[:0:0]
			for _, j := range g {
				if ref, ok := found[j.item.ID]; ok {
					results <- j.with(attempt{verdict: delivered, ref: ref})
					continue
				}
				rest = append(rest, j)
			}
			g, checked = rest, true
		}
	}
	for _, j := range g {
		now := e.now()
		if checked && !j.item.FirstAttempt.IsZero() && now.Sub(j.item.FirstAttempt) >= cfg.RetryFor {
			results <- j.with(attempt{verdict: notFound, checked: true})
			continue
		}
		if ctx.Err() != nil {
			results <- j.with(attempt{verdict: untried, checked: checked})
			continue
		}
		ref, err := e.chat.Send(sendCtx, j.to(), j.msg)
		a := e.attemptOf(j, err)
		a.ref, a.checked = ref, checked
		results <- j.with(a)
	}
}

// attemptOf reads what a platform call's error means for j.
func (e *Engine) attemptOf(j job, err error) attempt {
	v, wait, reason := verdictOf(err)
	a := attempt{verdict: v, wait: wait, reason: reason}
	switch v {
	case refused:
	case failedTry, unsure:
		a.reason = err.Error()
		a.backoff = backoff(j.item.Attempts + 1)
	}
	return a
}

// composeChunk is how many claimed items are composed in one read
// transaction, just before workers take them: few enough that a message is
// composed from what the store knows moments before it goes out, even when
// the platform's pace stretches a batch over minutes.
const composeChunk = 32

// claim marks up to limit ready items as sending, in one commit. Items for
// recipients the platform cannot address yet (see Gate) stay queued.
func (e *Engine) claim(ctx context.Context, limit int) (batch []*store.Item, err error) {
	now := e.now()
	var accept func(*store.Item) bool
	var changed <-chan struct{}
	if g, ok := e.chat.(Gate); ok {
		changed = g.Changed() // before asking: a change while claiming is not missed
		accept = func(it *store.Item) bool { return g.Ready(Recipient{Manager: it.Manager, Channel: it.Channel}) }
	}
	var skipped int
	err = e.store.Write(ctx, func(tx *store.Tx) error {
		batch, skipped, err = tx.ClaimIf(now, limit, accept)
		return err
	})
	if skipped == 0 {
		changed = nil
	}
	e.gate.Store(&changed)
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
