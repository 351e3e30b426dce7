package store

import (
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// State is where an outbox item is in delivery.
type State string

// Outbox states. pending → sending → sent | failed; pending → cancelled;
// skipped items never enter delivery (missed beyond the catch-up window, or
// over the daily cap).
const (
	Pending   State = "pending"
	Sending   State = "sending"
	Sent      State = "sent"
	Failed    State = "failed"
	Skipped   State = "skipped"
	Cancelled State = "cancelled"
)

// States lists every state, in the order status reports them.
var States = []State{Pending, Sending, Sent, Failed, Skipped, Cancelled}

// Due is a row of the due table: something to move to the outbox at At.
type Due struct {
	At       time.Time   `json:"at"`
	ID       string      `json:"id"`                // the outbox id it becomes
	Manager  string      `json:"manager"`           //
	Cadence  string      `json:"cadence,omitempty"` // empty for admin sends
	Kind     nudges.Kind `json:"kind"`
	Local    string      `json:"local,omitempty"`    // manager's local date of a recurring occurrence
	Parent   string      `json:"parent,omitempty"`   // reminders and snoozes: the nudge they repeat
	Reminder int         `json:"reminder,omitempty"` // reminders: 1, 2, …
	Learner  string      `json:"learner,omitempty"`  // event nudges: who the event was about
	Module   string      `json:"module,omitempty"`   // event nudges: what they finished
	Event    string      `json:"event,omitempty"`    // event nudges: the event id
	// Gen is the fingerprint of the schedule inputs a recurring row was
	// computed from. A row whose Gen no longer matches the schedule index
	// was superseded by a reload and is dropped when it comes due, so
	// neither a reload nor the sweep has to hunt for old rows.
	Gen uint64 `json:"gen,omitempty"`
	// Since is when a row the daily cap pushed to a later day first came
	// due; the sweep gives up on it once it has waited max_defer.
	Since time.Time `json:"since,omitzero"`
}

// Item is an outbox entry: one message to one recipient.
type Item struct {
	ID          string      `json:"id"`
	Manager     string      `json:"manager"`
	Kind        nudges.Kind `json:"kind"`
	Cadence     string      `json:"cadence,omitempty"`
	Program     string      `json:"program,omitempty"`
	Script      string      `json:"script,omitempty"`
	Channel     string      `json:"channel,omitempty"` // empty: the manager's DM
	Team        string      `json:"team,omitempty"`
	Local       string      `json:"local,omitempty"`
	Parent      string      `json:"parent,omitempty"`
	Reminder    int         `json:"reminder,omitempty"`
	Learner     string      `json:"learner,omitempty"`
	Module      string      `json:"module,omitempty"`
	Log         string      `json:"log,omitempty"` // shout-outs: the coaching log they celebrate
	ScheduledAt time.Time   `json:"scheduled_at"`
	State       State       `json:"state"`
	Attempts    int         `json:"attempts,omitempty"`
	NextAttempt time.Time   `json:"next_attempt"`
	Reason      string      `json:"reason,omitempty"` // why it failed or was skipped
	Ref         string      `json:"ref,omitempty"`    // the platform's message id
	SentAt      time.Time   `json:"sent_at,omitzero"`
	Answered    string      `json:"answered,omitempty"` // how the manager closed it: logged, skipped, snoozed
	// FirstAttempt is when delivery was first tried: retries go on for
	// engine.retry_for from then.
	FirstAttempt time.Time `json:"first_attempt,omitzero"`
	// Unsure says an earlier attempt may have reached the platform (a
	// timeout, a 5xx after the request went out): before any resend, the
	// platform's history is asked whether the message is already there.
	Unsure bool `json:"unsure,omitempty"`
}

// How a manager closed a nudge (Item.Answered).
const (
	AnsweredLogged  = "logged"
	AnsweredSnoozed = "snoozed" // comes back after the snooze
	AnsweredSkipped = "skipped" // skipped this week, with a reason
	AnsweredExpired = "expired" // left unanswered for expire_after: closed by the bot
)

// Closed reports whether the nudge is settled: logged or skipped by the
// manager, or expired unanswered. Nothing more to ask about it.
func (it *Item) Closed() bool {
	return it.Answered == AnsweredLogged || it.Answered == AnsweredSkipped || it.Answered == AnsweredExpired
}

// awaitsAnswer reports whether the item belongs in its manager's list of
// open nudges: a direct nudge (not a summary) delivered and not yet
// answered. Items still queued or on their way are left out: the sweep
// creates thousands at a time, a claim moves hundreds, and nobody can
// answer a nudge they have not seen.
func (it *Item) awaitsAnswer() bool {
	return it.Channel == "" && it.Kind != nudges.KindSummary && it.Kind != nudges.KindShoutOut && it.Kind != nudges.KindDigest &&
		it.Answered == "" && it.State == Sent
}

// Log is a coaching log: one reply of a manager, stored once.
type Log struct {
	ID        string            `json:"id"` // the reply's own id, unique per platform event
	Manager   string            `json:"manager"`
	Nudge     string            `json:"nudge,omitempty"`
	Kind      string            `json:"kind"` // checkin, assignment, pledge, skip, snooze, rating, note
	Program   string            `json:"program,omitempty"`
	Learner   string            `json:"learner,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	Minutes   int               `json:"minutes,omitempty"`
	Answers   map[string]string `json:"answers,omitempty"`
}

// ManagerState is what the bot remembers about a manager between nudges so
// the next one can refer back: the last check-in's agreed action, last
// week's pledge, the streak.
type ManagerState struct {
	LastCheckIn *CheckInRecall `json:"last_checkin,omitempty"`
	Pledge      *PledgeRecall  `json:"pledge,omitempty"`
	Streak      int            `json:"streak"`
	Pledged     int            `json:"pledged"` // pledges whose outcome was reported
	Kept        int            `json:"kept"`    // of those, kept (partly counts half in the rate)
	Partly      int            `json:"partly"`

	// Ignored counts the manager's nudges in a row that closed unanswered;
	// any answer resets it. Past the configured limit the bot stops
	// nudging and asks (Hold): keep, pause for four weeks, or stop.
	Ignored   int       `json:"ignored,omitempty"`
	Hold      string    `json:"hold,omitempty"` // "", asked, paused, stopped
	HoldUntil time.Time `json:"hold_until,omitzero"`
}

// CheckInRecall is the agreed next action of the last check-in.
type CheckInRecall struct {
	Member string      `json:"member"`
	Action string      `json:"action"`
	Review nudges.Date `json:"review"`
	At     time.Time   `json:"at"`
}

// PledgeRecall is the manager's current pledge, until its outcome is reported.
type PledgeRecall struct {
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
	Reviewed bool      `json:"reviewed"`
}

// FirstApplication is the first time a learner was seen applying the program.
type FirstApplication struct {
	Date    nudges.Date `json:"date"`
	Manager string      `json:"manager"`
	Log     string      `json:"log"`
}
