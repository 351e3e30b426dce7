package nudges

import (
	"fmt"
	"strings"
)

// Context is everything a nudge may refer to, gathered by the engine from
// the roster and the store. Compose turns it into words.
type Context struct {
	Nudge    string
	Kind     Kind
	Manager  *Manager
	Program  *Program
	Today    Date // the manager's local date
	Script   *Script
	Reminder int // 0 for the nudge itself, 1… for reminders

	LastAction *Recall // the last check-in's agreed action
	Pledge     string  // the pledge awaiting review, if any
	Streak     int

	Learner *Member   // event nudges: who finished something
	Others  []*Member // and who else did, in one nudge (several learners, one module)
	// FollowUp, for an event nudge weeks after the event, recalls the
	// debrief and whether the learner has applied it.
	FollowUp *FollowUp
	Module   string

	// Coached and Peers, on a check-in reminder, say how many of the
	// program's managers logged this week's check-in, of how many: a nudge
	// that others are doing it. Only set for a group of the minimum size.
	Coached, Peers int

	// AbsentDays, for a check-in sent because none was logged for a while,
	// is how many days it has been.
	AbsentDays int

	Assignment *Assignment // micro-assignment reminders
	Pending    []Member    // learners with no first application yet
	Members    []Member    // the manager's learners, for the form
}

// Recall is an action agreed in a check-in, to ask about next time.
type Recall struct {
	Member string
	Action string
	Review Date
}

// Where says which program week and phase d is, for the context line.
func Where(p *Program, d Date) string {
	w := p.Week(d)
	if w <= 0 {
		return fmt.Sprintf("%s · launches in %d week(s) · %s", p.Name, 1-w, PreLaunch)
	}
	return fmt.Sprintf("%s · week %d · %s", p.Name, w, p.Phase(d))
}

// Compose writes the message for a nudge.
func Compose(c Context) Message {
	m := Message{Nudge: c.Nudge, Kind: c.Kind, Context: Where(c.Program, c.Today)}
	switch c.Kind {
	case KindCheckIn:
		composeCheckIn(&m, c)
	case KindAssignment:
		composeAssignment(&m, c)
	case KindPledge:
		composePledge(&m, c)
	}
	if c.Reminder > 0 {
		m.Title = "Reminder: " + m.Title
		m.Fallback = "Reminder: " + m.Fallback
	}
	m.Actions = append(m.Actions,
		Action{ID: ActSnooze, Label: "Snooze"},
		Action{ID: ActSkip, Label: "Skip this week"},
		Action{ID: ActUseful, Label: "Useful"},
		Action{ID: ActNotUseful, Label: "Not useful"},
	)
	return m
}

func composeCheckIn(m *Message, c Context) {
	s := c.Script
	m.Title = fmt.Sprintf("%d-minute check-in: %s", s.Minutes, s.Title)
	m.Fallback = fmt.Sprintf("Time for a %d-minute check-in (%s)", s.Minutes, c.Program.Name)
	if c.Learner != nil {
		who, has := c.Learner.Name, "has"
		if len(c.Others) > 0 {
			names := []string{c.Learner.Name}
			for _, o := range c.Others {
				names = append(names, o.Name)
			}
			who, has = strings.Join(names[:len(names)-1], ", ")+" and "+names[len(names)-1], "have"
		}
		if f := c.FollowUp; f != nil {
			m.Title = fmt.Sprintf("%d-day follow-up with %s: %s", f.Days, who, s.Title)
			m.Lines = append(m.Lines, f.lines(who, c.Module)...)
			m.Fallback = fmt.Sprintf("%d days since %s finished %q: time for a %d-minute follow-up", f.Days, who, c.Module, s.Minutes)
		} else {
			m.Title = fmt.Sprintf("Debrief with %s: %s", who, s.Title)
			m.Lines = append(m.Lines, fmt.Sprintf("%s %s finished %q. A short debrief now, while it is fresh, is where the learning sticks.", who, has, c.Module))
			m.Fallback = fmt.Sprintf("%s finished %q: time for a %d-minute debrief", who, c.Module, s.Minutes)
		}
	}
	if c.Reminder > 0 && c.Peers > 0 && c.Coached > 0 {
		m.Lines = append(m.Lines, fmt.Sprintf("%d of %d managers in %s have logged this week's check-in.", c.Coached, c.Peers, c.Program.Name))
	}
	if c.AbsentDays > 0 {
		m.Lines = append(m.Lines, fmt.Sprintf("No check-in logged for %s: a short one this week keeps the habit going.", plural(c.AbsentDays, "day")))
	}
	if r := c.LastAction; r != nil && r.Action != "" {
		when := "by " + r.Review.String()
		switch n := r.Review.DaysSince(c.Today); {
		case r.Review.IsZero():
			when = ""
		case n < 0:
			when = fmt.Sprintf("to review on %s (%s ago)", r.Review, plural(-n, "day"))
		case n == 0:
			when = "to review today"
		}
		m.Lines = append(m.Lines, strings.TrimSpace(fmt.Sprintf("Last time you agreed with %s to %s %s — how did it go?", r.Member, lowerFirst(r.Action), when)))
	}
	m.Lines = append(m.Lines, fmt.Sprintf("Take %d minutes with one learner. Use these questions, then log what you heard.", s.Minutes))
	m.Questions = s.Questions
	m.Actions = []Action{{ID: ActLog, Label: "Log check-in", Style: "primary"}}
	m.Form = CheckInForm(c.Members, s.Minutes, c.Learner)
}

// CheckInForm is the check-in log: who, what was tried, what changed, the
// time spent, the agreed next step and when to look at it again, and a win
// the manager may choose to share with the team.
func CheckInForm(members []Member, minutes int, who *Member) *Form {
	opts := make([]Option, len(members))
	for i, mb := range members {
		opts[i] = Option{mb.ID, mb.Name}
	}
	f := &Form{Title: "Log check-in", Submit: "Save", Fields: []Field{
		{ID: FieldMember, Label: "Team member", Type: FieldChoice, Options: opts},
		{ID: FieldTried, Label: "What did they try?", Type: FieldLongText},
		{ID: FieldChanged, Label: "What changed?", Type: FieldLongText},
		{ID: FieldMinutes, Label: "Minutes spent", Type: FieldNumber, Initial: fmt.Sprint(minutes)},
		{ID: FieldNext, Label: "Agreed next action", Type: FieldText},
		{ID: FieldReview, Label: "Review date", Type: FieldDate, Hint: "YYYY-MM-DD"},
		{ID: FieldWin, Label: "A win worth celebrating", Type: FieldLongText, Optional: true},
		{ID: FieldShare, Label: "Share the win with the team", Type: FieldToggle, Optional: true},
	}}
	if who != nil {
		f.Fields[0].Initial = who.ID
	}
	return f
}

func composeAssignment(m *Message, c Context) {
	a := c.Assignment
	m.Title = "Micro-assignment: " + a.Title
	m.Fallback = fmt.Sprintf("Have your learners applied %q yet?", a.Title)
	m.Lines = append(m.Lines, a.Instructions)
	if len(c.Pending) == 0 {
		m.Lines = append(m.Lines, "Everyone on your team has shown a first application. Nothing to record this time.")
		return
	}
	names := make([]string, len(c.Pending))
	for i, p := range c.Pending {
		names[i] = p.Name
	}
	m.Lines = append(m.Lines, fmt.Sprintf("Not yet seen applying it: %s. For each, tell me what you observed.", strings.Join(names, ", ")))
	for _, p := range c.Pending {
		for _, o := range Outcomes {
			m.Actions = append(m.Actions, Action{ID: ActOutcome, Label: p.Name + ": " + o.Label, Value: p.ID + "|" + o.Value})
		}
	}
}

func composePledge(m *Message, c Context) {
	m.Title = "Your coaching pledge for this week"
	m.Fallback = "What is your coaching pledge for this week?"
	f := &Form{Title: "Weekly pledge", Submit: "Pledge"}
	if c.Pledge != "" {
		m.Lines = append(m.Lines, fmt.Sprintf("Last week you pledged: %q. Did you keep it?", c.Pledge))
		f.Fields = append(f.Fields, Field{ID: FieldKept, Label: "Did you keep last week's pledge?", Type: FieldChoice, Options: PledgeOutcomes})
	}
	if c.Streak > 1 {
		m.Lines = append(m.Lines, fmt.Sprintf("You have kept %s in a row.", plural(c.Streak, "pledge")))
	}
	m.Lines = append(m.Lines, "Pick one concrete coaching action for the week ahead, or write your own.")
	opts := make([]Option, len(PledgeSuggestions))
	for i, s := range PledgeSuggestions {
		opts[i] = Option{s, s}
	}
	f.Fields = append(f.Fields, Field{ID: FieldPledge, Label: "This week I will…", Type: FieldText, Options: opts})
	m.Form = f
	m.Actions = []Action{{ID: ActLog, Label: "Make my pledge", Style: "primary"}}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func lowerFirst(s string) string {
	if s == "" || strings.ToUpper(s[:1]) != s[:1] || (len(s) > 1 && strings.ToUpper(s[1:2]) == s[1:2] && s[1] != ' ') {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
