package converse

import (
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// What an adapter may read of the engine's state, as plain values: the
// store's records stay behind the engine.

// Nudge is one delivered nudge as it reads now: its message (with its
// form, for a button that opens one), its kind, the platform's ref of the
// posted message, and how it was answered.
type Nudge struct {
	Message nudges.Message
	Kind    nudges.Kind
	Ref     string
	// Answered is how the manager answered it ("logged", "snoozed", …),
	// or "" while it waits.
	Answered string
	// Closed: logged, skipped or expired; nothing more to ask about it (a
	// snoozed nudge is not: it comes back).
	Closed bool
}

// Open is a nudge not answered yet, on its way or delivered.
type Open struct {
	Nudge     string
	Kind      nudges.Kind
	State     string // pending, sending or sent
	Scheduled time.Time
}

// Count is how many outbox items are in one state.
type Count struct {
	State string
	N     uint64
}

// LearningEvent is something a learner did in the LMS, e.g. finished a module.
type LearningEvent struct {
	ID      string // unique per event; defaults to learner+verb+module (one completion per module)
	Learner string // member id
	Verb    string // nudges.EventCompleted
	Module  string
	Program string // when set, only this program's cadences respond
	At      time.Time
}
