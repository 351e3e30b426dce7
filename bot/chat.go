package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Recipient is where a message goes: a manager's direct messages, or a
// team channel when Channel is set.
type Recipient struct {
	Manager string
	Channel string
}

func (r Recipient) String() string {
	if r.Channel != "" {
		return "channel " + r.Channel
	}
	return "manager " + r.Manager
}

// Chat is what the engine needs from a platform: deliver a message and say
// how it went. Errors are retried with backoff unless marked Permanent;
// RetryAfter carries a platform's explicit wait.
type Chat interface {
	Send(ctx context.Context, to Recipient, m nudges.Message) (ref string, err error)
}

// Reconciler is implemented by platforms that can tell whether a message
// for a nudge was already posted, so a crash between posting and recording
// it never produces a second DM.
type Reconciler interface {
	Delivered(ctx context.Context, to Recipient, nudge string, since time.Time) (ref string, found bool, err error)
}

// Sequential is implemented by platforms that show messages one after
// another to one reader (the shell): the engine then sends one message at a
// time, in outbox order (due time, then id), so the same outbox always
// reads the same way instead of in whatever order parallel sends finish.
type Sequential interface {
	Sequential() bool
}

// PermanentError marks a delivery failure that retrying cannot fix (an
// unknown user, a channel that does not exist, a rejected payload).
type PermanentError struct {
	Reason string
	Err    error
}

func (e *PermanentError) Error() string { return fmt.Sprintf("%s: %v", e.Reason, e.Err) }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a permanent failure with a short reason.
func Permanent(reason string, err error) error { return &PermanentError{Reason: reason, Err: err} }

// RetryAfterError is a platform asking us to wait before the next attempt.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("retry after %s: %v", e.After, e.Err) }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// classify decides what a delivery error means for the item.
func classify(err error) (permanent bool, wait time.Duration, reason string) {
	var p *PermanentError
	if errors.As(err, &p) {
		return true, 0, p.Reason
	}
	var r *RetryAfterError
	if errors.As(err, &r) {
		return false, r.After, "rate limited"
	}
	return false, 0, "temporary failure"
}
