package bot

import (
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// verdict is what one delivery attempt came to. Delivered and not
// delivered are not the only answers: a request that reached the platform
// without a clear answer may or may not have posted the message.
type verdict int

const (
	delivered verdict = iota
	refused           // the platform said no for good
	throttled         // not delivered: the platform named its wait
	failedTry         // not delivered: retry with backoff
	unsure            // may have been delivered: ask before resending
	untried           // nothing reached the platform: no attempt
	notFound          // unsure before, and the platform's history shows it was never posted; not resent (the horizon passed)
	unchecked         // unsure, and the platform's history could not be read: nothing was sent, so no attempt
)

func (v verdict) String() string {
	return [...]string{"delivered", "refused", "throttled", "failed", "unsure", "untried", "not found", "unchecked"}[v]
}

// attempt is an attempt's verdict with what came with it.
type attempt struct {
	verdict verdict
	ref     string        // delivered: the platform's message id
	wait    time.Duration // throttled: the platform's wait
	reason  string        // refused: the platform's code; otherwise the error
	backoff time.Duration // failedTry, unsure: the wait before the next attempt
	// checked says the platform's history was read before this attempt and
	// the nudge was not there: it is no longer unsure.
	checked bool
}

// next is an item's delivery state after an attempt: a pure function of
// the item, the attempt, the time and how long failing deliveries are
// retried (horizon, from the first attempt). Its rules:
//   - an attempt counts unless nothing reached the platform (untried) or
//     the platform refused to take it yet (throttled);
//   - a nudge fails only when the platform said no for good, or the horizon
//     has passed and the nudge is known not to have been posted (an unsure
//     nudge stays pending: the next turn asks the platform's history first);
//   - an unsure nudge stays unsure until the platform confirms or denies it.
func next(it store.Item, a attempt, now time.Time, horizon time.Duration) store.Item {
	if a.checked {
		it.Unsure = false
	}
	counts := a.verdict != untried && a.verdict != throttled && a.verdict != unchecked
	if counts {
		it.Attempts++
		if it.FirstAttempt.IsZero() {
			it.FirstAttempt = now
		}
	}
	expired := !it.FirstAttempt.IsZero() && now.Sub(it.FirstAttempt) >= horizon
	switch a.verdict {
	case delivered:
		it.State, it.Ref, it.SentAt, it.Reason, it.Unsure = store.Sent, a.ref, now, "", false
	case refused:
		it.State, it.Reason = store.Failed, a.reason
	case throttled:
		it.State, it.Reason, it.NextAttempt = store.Pending, a.reason, now.Add(a.wait)
	case untried:
		it.State, it.NextAttempt = store.Pending, now
	case notFound:
		it.State, it.Unsure = store.Failed, false
		it.Reason = fmt.Sprintf("gave up after %s (%d attempts; never posted): %s", horizon, it.Attempts, it.Reason)
	case failedTry:
		if expired && !it.Unsure {
			it.State = store.Failed
			it.Reason = fmt.Sprintf("gave up after %s (%d attempts): %s", horizon, it.Attempts, a.reason)
			break
		}
		it.State, it.Reason, it.NextAttempt = store.Pending, a.reason, now.Add(a.backoff)
	case unsure:
		it.State, it.Reason, it.Unsure, it.NextAttempt = store.Pending, a.reason, true, now.Add(a.backoff)
	case unchecked:
		it.State, it.Reason, it.NextAttempt = store.Pending, a.reason, now.Add(a.backoff)
	}
	return it
}
