package bot

import (
	"context"
	"fmt"
	"slices"
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

// claimLimit is how many items may be claimed and not yet sent: no more
// than twice what the workers send at once, and no more than the platform's pace
// lets out in claimAhead. After a crash each of them is unsure, and on a
// platform like Slack checking one costs a call to a method allowed 50 a
// minute: the window is what keeps recovery to seconds.
func (e *Engine) claimLimit() int {
	if p, ok := e.chat.(Pacer); ok {
		return min(2*workers, max(p.Capacity(claimAhead), 1))
	}
	return batchSize
}

// reserve takes slots of the window: at least a quarter of it (or one),
// waiting for them if need be, so that claims, each a commit, come in
// groups; then as many more as are free. It returns how many it took (0
// once ctx ends; the slots it held are given back).
func reserve(ctx context.Context, window chan struct{}) int {
	n := 0
	for least := max(cap(window)/4, 1); n < least; n++ {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			for range n {
				<-window
			}
			return 0
		}
	}
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
			if j.composeErr == nil && j.skip == "" {
				j.skip, j.composeErr = e.heldBack(tx, it)
			}
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
