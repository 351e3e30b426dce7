package slack

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// aimd is a smooth pace that backs off multiplicatively when Slack says
// "too many" and creeps back up additively as calls go through, so the
// workers converge on what Slack actually allows instead of bouncing off
// it (a burst, a 429, a wait, another burst). Like TCP's slow-start
// threshold, it remembers the pace that drew the last 429: it climbs back
// quickly to just under it, then probes above it slowly, because each 429
// costs a whole Retry-After (a second or more) of the method.
type aimd struct {
	mu   sync.Mutex
	rate rate.Limit // calls per second now
	ceil rate.Limit // the documented limit, less headroom
	hit  rate.Limit // the pace of the last 429 (0: none yet)
	low  rate.Limit // the slowest it goes after 429s
	next time.Time  // the earliest the next call may go
	left time.Time  // when the last call actually went
	gap  time.Duration
}

// After a 429 the pace drops to backoffFactor of what it was (never below
// floorShare of the limit), then regains ceil/recoverSteps a call up to
// settleShare of the pace that drew the 429, and ceil/probeSteps a call
// above it.
const (
	backoffFactor = 0.8
	floorShare    = 0.1
	recoverSteps  = 32
	settleShare   = 0.9
	probeSteps    = 2048
)

// newAIMD is a pace of r that 429s slow down to floor×r at most (floor
// 1: never).
func newAIMD(r rate.Limit, floor float64) *aimd {
	return &aimd{rate: r, ceil: r, low: r * rate.Limit(floor)}
}

func (a *aimd) limit() rate.Limit {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

// wait takes the next slot: slots are handed out in order, each one
// interval (at the pace when it was taken) after the one before, and never
// saved up while idle (a burst of one). A change of pace moves only the
// slots taken after it, so two calls never go out closer together than
// the pace allowed when the second was promised its slot.
func (a *aimd) wait(ctx context.Context) error {
	d, err := a.take(ctx)
	if err != nil {
		return err
	}
	if d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	return a.spaced(ctx)
}

// take takes the next slot and returns how long until it comes.
func (a *aimd) take(ctx context.Context) (time.Duration, error) {
	a.mu.Lock()
	now := time.Now()
	at := a.next
	if at.Before(now) {
		at = now
	}
	d := at.Sub(now)
	if dl, ok := ctx.Deadline(); ok && d > 0 && time.Until(dl) < d {
		a.mu.Unlock()
		return 0, &converse.RetryAfterError{After: d, Err: errHeld} // the caller cannot wait for its turn
	}
	a.next = at.Add(time.Duration(float64(time.Second) / float64(a.rate)))
	a.mu.Unlock()
	return d, nil
}

// spaced holds a call whose slot came until one interval has passed since
// the call before it actually left. A waiter woken late (a busy machine's
// timers) leaves late, and the next one, on time, would follow it closer
// than the pace: at bursts of one, straight into a 429 and a second's
// hold of every post.
func (a *aimd) spaced(ctx context.Context) error {
	for {
		a.mu.Lock()
		now := time.Now()
		gap := a.left.Add(a.gap).Sub(now)
		if gap <= 0 {
			a.left, a.gap = now, time.Duration(float64(time.Second)/float64(a.rate))
			a.mu.Unlock()
			return nil
		}
		a.mu.Unlock()
		if err := sleep(ctx, gap); err != nil {
			return err
		}
	}
}

func (a *aimd) slow() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.low >= a.ceil {
		return
	}
	a.hit = a.rate
	a.rate = max(a.rate*backoffFactor, a.low)
}

func (a *aimd) recover() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rate >= a.ceil {
		return
	}
	step := a.ceil / recoverSteps
	if a.hit > 0 && a.rate >= a.hit*settleShare {
		step = a.ceil / probeSteps
	}
	a.rate = min(a.ceil, a.rate+step)
}
