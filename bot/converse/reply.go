package converse

import (
	"errors"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Errors of inbound requests, for adapters to tell apart with errors.Is.
var (
	ErrUnknownManager = errors.New("unknown manager")
	ErrUnknownNudge   = errors.New("unknown nudge")
	ErrInvalid        = errors.New("invalid reply")
)

// Reply is a manager's answer, as an adapter hands it over.
type Reply struct {
	// ID is unique per answer on the platform (an event id, an action
	// timestamp, a view submission hash): a redelivered answer carries the
	// same ID and is stored once.
	ID      string
	Manager string
	Nudge   string // the outbox item answered; empty for a check-in or pledge started by the manager
	Kind    nudges.Kind
	Action  string // nudges.ActLog, ActSnooze, ActSkip, ActUseful, ActNotUseful, ActOutcome, or "note"
	Fields  map[string]string
	At      time.Time
}

// Result is what the engine tells the adapter about a reply.
type Result struct {
	Duplicate bool   // already stored: nothing changed
	Text      string // a short confirmation for the manager
	Nudge     string // the nudge the reply closed or touched, if any
	ShoutOut  bool   // a shout-out was queued for the team channel
}

// FieldError is a problem with one field of a form, for inline display.
type FieldError struct {
	Field, Msg string
}

// FieldErrors lists every problem of a reply; it wraps ErrInvalid.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Field + ": " + f.Msg
	}
	return "invalid reply: " + strings.Join(parts, "; ")
}

func (fe FieldErrors) Unwrap() error { return ErrInvalid }

// ActNote is a free-text message to the bot, stored as a note on the
// manager's latest open nudge (or on none, when every nudge is answered).
const ActNote = "note"

// RestartNeededError is a reload that applied everything but settings the
// process took at start (see keepStartupSettings).
type RestartNeededError struct {
	Settings []string // e.g. "data_dir (still \"data\")"
}

func (e *RestartNeededError) Error() string {
	return "changing " + strings.Join(e.Settings, ", ") + " needs a restart; the rest of the configuration is applied"
}

// Add returns fe with one more problem.
func (fe FieldErrors) Add(field, msg string) FieldErrors {
	return append(fe, FieldError{Field: field, Msg: msg})
}

// Invalid is a reply's single problem, as an error.
func Invalid(field, msg string) error { return FieldErrors{}.Add(field, msg) }
