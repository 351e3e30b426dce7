package nudges

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// Kind is a kind of nudge.
type Kind string

// The nudge kinds. The catalogue grows; the engine dispatches on these.
const (
	KindCheckIn    Kind = "checkin"    // a time-boxed check-in script the manager logs
	KindAssignment Kind = "assignment" // a micro-assignment the manager observes per learner
	KindPledge     Kind = "pledge"     // the weekly commitment, after reviewing last week's
	KindSummary    Kind = "summary"    // the weekly team progress summary
	KindShoutOut   Kind = "shoutout"   // a confirmed win, to the team channel
	KindDigest     Kind = "digest"     // L&D's weekly figures, to an admin's DM only
	KindHold       Kind = "hold"       // nudges paused after several ignored: keep, pause or stop?
)

// Kinds lists the kinds a cadence or an admin may schedule.
var Kinds = []Kind{KindCheckIn, KindAssignment, KindPledge, KindSummary}

// Valid reports whether k is a kind a cadence may name.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Learning events a cadence may follow.
const (
	EventCompleted = "completed" // a learner finished a module
	EventEnrolled  = "enrolled"  // a manager was enrolled in the program
)

// Cadence is L&D's rule for when a kind of nudge goes out: either a
// recurrence in the manager's local time, limited to program weeks or phases,
// or a delay after a learning event. Either way the result is moved into the
// manager's working time.
type Cadence struct {
	ID      string
	Kind    Kind
	Program string
	Script  string // check-ins: which script

	Recurrence       *Recurrence // nil for event-relative cadences
	FromWeek, ToWeek int         // program-week window; 0 means open
	Phases           []Phase     // empty means any phase

	Event string        // event-relative: EventCompleted or EventEnrolled
	Delay time.Duration // event-relative: how long after the event

	RemindAfter  time.Duration // 0: no reminders
	MaxReminders int

	// AbsentFor, on a scheduled check-in cadence, makes it fire only for
	// managers with no check-in logged for this long: the schedule says
	// when it may go out, the absence whether it does. 0: always.
	AbsentFor time.Duration

	// Holdout is the percentage of the program's managers held out of this
	// cadence, to compare them with the others (see HeldOut); 0: none.
	Holdout float64
}

// Recurring reports whether the cadence follows a recurrence (not an event).
func (c *Cadence) Recurring() bool { return c.Recurrence != nil }

// activeIn reports whether the cadence's week and phase limits admit week w.
func (c *Cadence) activeIn(w int) bool {
	if c.FromWeek != 0 && w < c.FromWeek || c.ToWeek != 0 && w > c.ToWeek {
		return false
	}
	return len(c.Phases) == 0 || slices.Contains(c.Phases, PhaseOfWeek(w))
}

// EventDue is when an event-relative nudge goes out for an event at t: the
// delay later, moved to the manager's next working time.
func (c *Cadence) EventDue(cal *Calendar, t time.Time) (time.Time, bool) {
	return cal.NextWorkingInstant(t.Add(c.Delay))
}

// NudgeID names one nudge: the same manager, cadence and local date (or
// event) always give the same id, so a nudge is queued at most once however
// often the sweep or an event arrives.
func NudgeID(manager, cadence, occasion string) string {
	h := sha256.New()
	for _, s := range []string{manager, cadence, occasion} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Manager is a line manager on the roster.
type Manager struct {
	ID, Name, Email string
	Calendar        Calendar
	Programs        []string
	Admin           bool // may use L&D's admin commands
}

// Enrolled reports whether the manager takes part in program p.
func (m *Manager) Enrolled(p string) bool { return slices.Contains(m.Programs, p) }

// Team is a manager's team: the learners and the channel summaries go to.
type Team struct {
	ID, Name, Channel, Manager string
	Members                    []Member
}

// Member is a learner on a team.
type Member struct {
	ID, Name, Email string
	LMSID           string // the learner's id in the LMS (an xAPI account name), if it is not their email
}
