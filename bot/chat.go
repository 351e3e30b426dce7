package bot

import (
	"context"
	"errors"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// The delivery contract lives in package converse, beside the conversation
// layer, so that adapters need not import the engine (nor, through it, the
// store). These names keep the engine's code and its callers reading as
// before.
type (
	Recipient       = converse.Recipient
	Chat            = converse.Chat
	Reconciler      = converse.Reconciler
	Pacer           = converse.Pacer
	Gate            = converse.Gate
	Sequential      = converse.Sequential
	PermanentError  = converse.PermanentError
	RetryAfterError = converse.RetryAfterError
	UnknownError    = converse.UnknownError
	NotSentError    = converse.NotSentError
)

// Permanent wraps err as a permanent failure with a short reason.
func Permanent(reason string, err error) error { return converse.Permanent(reason, err) }

// Unknown wraps err as an attempt whose outcome is unknown.
func Unknown(err error) error { return converse.Unknown(err) }

// NotSent wraps err as an attempt that never reached the platform.
func NotSent(err error) error { return converse.NotSent(err) }

// Stopping is closed when the bot is shutting down (see converse.Stopping).
func Stopping(ctx context.Context) <-chan struct{} { return converse.Stopping(ctx) }

// sendContext is the context for platform calls during a dispatch: not
// cancelled with the run, so a request on the wire is not cut off halfway
// (an ambiguous outcome), but ended grace after the run ends.
func sendContext(run context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(converse.WithStopping(context.WithoutCancel(run), run.Done()))
	stop := context.AfterFunc(run, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() { stop(); cancel() }
}

// verdictOf reads a delivery error.
func verdictOf(err error) (v verdict, wait time.Duration, reason string) {
	if err == nil {
		return delivered, 0, ""
	}
	var p *PermanentError
	var r *RetryAfterError
	var u *UnknownError
	var n *NotSentError
	switch {
	case errors.As(err, &p):
		return refused, 0, p.Reason
	case errors.As(err, &r):
		return throttled, r.After, "rate limited"
	case errors.As(err, &n):
		return untried, 0, "not sent"
	case errors.As(err, &u):
		return unsure, 0, "outcome unknown"
	}
	return failedTry, 0, "temporary failure"
}

var errNoLongerOnRoster = errors.New("no longer on the roster")
