package dash

import (
	"context"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// Backend is everything the dashboard asks of the bot.
type Backend interface {
	Insights
	Schedule
	Logbook
	Admin
	AuditLog
}

// Insights are L&D's figures.
type Insights interface {
	// Today is the bot's date in its default zone.
	Today() nudges.Date
	// Programs lists the programs with where they stand today.
	Programs() []ProgramInfo
	// Report computes a program's figures over [from, to]. It may be slow
	// (it reads the data file); the dashboard caches what it returns.
	Report(ctx context.Context, program string, from, to nudges.Date) (insight.Report, error)
	// Digest writes L&D's weekly digest of a program as of today.
	Digest(ctx context.Context, program string) (nudges.Message, error)
	// SendDigest queues a program's digest now as a direct message to
	// every L&D admin on the roster; n is how many it queued.
	SendDigest(ctx context.Context, program string) (n int, err error)
	// Delivery is the outbox's health, read on every view of its page:
	// it must be quick (kept as writes land, not scanned).
	Delivery(ctx context.Context) (Delivery, error)
}

// Schedule previews the calendar with the planner the scheduler uses.
type Schedule interface {
	Plan(ctx context.Context, f PlanFilter) (PlanPage, error)
}

// Logbook reads coaching logs.
type Logbook interface {
	Logs(ctx context.Context, q LogQuery) (LogPage, error)
}

// Admin is what admins may change.
type Admin interface {
	// SetPaused pauses or resumes a program, and records in the audit
	// log, in the same commit, that actor did.
	SetPaused(ctx context.Context, actor, program string, paused bool) error
	// SendTest queues a nudge of kind for a manager now, audited as
	// SetPaused is.
	SendTest(ctx context.Context, actor, manager string, kind nudges.Kind) error
	// ManagerByEmail finds the roster's manager with this email, for "send
	// a test nudge to myself".
	ManagerByEmail(email string) (id string, ok bool)
	// Known reports whether id is a manager or learner on the roster, or
	// has records in the data file.
	Known(ctx context.Context, id string) bool
	// Export is everything held about a person, as JSON.
	Export(ctx context.Context, person string) ([]byte, error)
	// Erase deletes what is held about a person; n is how many records.
	// It records the erasure in the audit log itself, by actor, in the
	// commit that erases (counts only: the entry must not name whom), so
	// the dashboard records only a failure.
	Erase(ctx context.Context, actor, person string) (n int, err error)
}

// AuditLog records and lists admins' actions.
type AuditLog interface {
	Record(ctx context.Context, e AuditEntry) error
	// Audit lists entries newest first.
	Audit(ctx context.Context, offset, limit int) ([]AuditEntry, error)
}

// AuditEntry is one admin action.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Result string    `json:"result"`
}

// ProgramInfo is a program and where it stands today.
type ProgramInfo struct {
	ID, Name string
	Launch   nudges.Date
	Weeks    int
	Week     int    // program week today (0 before launch)
	Phase    string // launch, activation, reinforcement, …
	Paused   bool
}

// Delivery is the outbox's health.
type Delivery struct {
	States      []insight.Count // outbox items by state
	Failures    []insight.Count // failed deliveries by reason
	Unreachable []ManagerIssue  // managers whose deliveries fail
	Suppressed  []ManagerIssue  // managers whose nudges were skipped
	// Learning is the statements the LMS sent, by what became of them
	// (event, unmapped, old, bulk, voiding, ignored): unmapped ones never
	// nudge anyone, and L&D fixes the mapping from this count.
	Learning []insight.Count
}

// ManagerIssue is a manager and why their nudges do not arrive.
type ManagerIssue struct {
	Manager string
	Reason  string
	N       int
}

// PlanFilter narrows the calendar preview. Empty fields match all.
type PlanFilter struct {
	Program, Team, Manager, Cadence string
	From                            nudges.Date
	Days                            int
	// Offset and Limit page through managers, not nudges: a page's
	// cost is bounded whatever the roster's size.
	Offset, Limit int
}

// PlanPage is one page of the calendar preview, by day.
type PlanPage struct {
	Days []PlanDay
	// Next is the offset of the next page of managers; 0 when this was
	// the last.
	Next int
}

// PlanDay is one day of the preview.
type PlanDay struct {
	Date    nudges.Date
	Entries []PlanEntry
}

// PlanEntry is one planned nudge.
type PlanEntry struct {
	Manager, Cadence, Kind, Program string
	Week                            int
	Phase                           string
	Local                           string // the manager's local time, HH:MM
	UTC                             time.Time
}

// LogQuery filters coaching logs. Empty fields match all.
type LogQuery struct {
	Person  string // a manager (their logs) or learner (logs about them)
	Program string
	Kind    string
	Text    string // searched in the answers, case-insensitively
	// After is the cursor a previous page returned; Limit the page size.
	After string
	Limit int
}

// LogPage is one page of logs.
type LogPage struct {
	Logs []LogRow `json:"logs"`
	// Next is the cursor of the next page; empty when this was the last.
	Next string `json:"next,omitempty"`
	// Partial says the search stopped after reading its budget of logs
	// without filling the page; Next continues it.
	Partial bool `json:"partial,omitempty"`
}

// LogRow is one coaching log.
type LogRow struct {
	ID      string            `json:"id"`
	Manager string            `json:"manager"`
	Learner string            `json:"learner,omitempty"`
	Kind    string            `json:"kind"`
	Program string            `json:"program,omitempty"`
	At      time.Time         `json:"at"`
	Minutes int               `json:"minutes,omitempty"`
	Answers map[string]string `json:"answers,omitempty"`
}
