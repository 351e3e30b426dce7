package converse

import (
	"context"
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// The delivery contract: what the engine asks of a platform to deliver a
// message, and the errors by which a platform says how a delivery went.

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
// how it went. A nil error means delivered. Otherwise the error says which
// of the other outcomes it was: PermanentError (refused for good),
// RetryAfterError (not delivered; the platform named its wait),
// UnknownError (it may have been delivered), NotSentError (nothing reached
// the platform); any other error is a failed attempt worth retrying.
type Chat interface {
	Send(ctx context.Context, to Recipient, m nudges.Message) (ref string, err error)
}

// Reconciler is implemented by platforms that can tell whether messages
// for nudges were already posted to a recipient since a time: one look at
// the conversation answers for every nudge asked about. It is asked before
// any resend of a delivery whose outcome is unknown, so an ambiguous
// failure or a crash between posting and recording never produces a second
// message. found maps each nudge found to its message's ref.
type Reconciler interface {
	Delivered(ctx context.Context, to Recipient, nudges []string, since time.Time) (found map[string]string, err error)
}

// Pacer is implemented by platforms that pace their sends: Capacity is how
// many messages they expect to send in d at the pace they keep now. The
// engine claims no more than that ahead of sending, so what a crash leaves
// in flight (and must be checked) stays small.
type Pacer interface {
	Capacity(d time.Duration) int
}

// Gate is implemented by platforms that cannot address every recipient yet
// (identities still being looked up in bulk). Items for recipients that are
// not ready stay queued, without an attempt, while others go out.
type Gate interface {
	Ready(to Recipient) bool
	// Changed is closed when recipients that were not ready may be now.
	Changed() <-chan struct{}
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

// UnknownError marks an attempt that may have taken effect: the request
// reached the platform, but no clear answer came back (a timeout, a
// cancelled request, a 5xx the platform may have answered after storing
// the message).
type UnknownError struct{ Err error }

func (e *UnknownError) Error() string { return "outcome unknown: " + e.Err.Error() }
func (e *UnknownError) Unwrap() error { return e.Err }

// Unknown wraps err as an attempt whose outcome is unknown.
func Unknown(err error) error { return &UnknownError{Err: err} }

// NotSentError marks an attempt that never reached the platform (the bot
// stopped while it waited for its turn): it does not count as an attempt.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return "not sent: " + e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// NotSent wraps err as an attempt that never reached the platform.
func NotSent(err error) error { return &NotSentError{Err: err} }

// stopKey carries the run's end into the context sends use: sends already
// on the wire finish within the shutdown grace, and a platform's wait for
// its turn can end at once (see Stopping).
type stopKey struct{}

// WithStopping returns ctx carrying stop as its Stopping channel. The
// engine sets it on the context of each dispatch.
func WithStopping(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// Stopping is closed when the bot is shutting down. Platforms select on it
// while they wait for their turn to send: a message not yet sent is then
// left for the next start (NotSent) instead of going out during shutdown.
// It is nil (never ready) outside a dispatch.
func Stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stopKey{}).(<-chan struct{})
	return ch
}
