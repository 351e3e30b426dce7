package nudges

// Message is what the bot says, before any platform renders it: Block Kit
// for Slack, an Adaptive Card for Teams, plain text for the shell. Adapters
// draw it; they never decide what it says.
type Message struct {
	Nudge     string // the outbox id; replies name it
	Kind      Kind
	Title     string   // a short header
	Context   string   // where we are: program, week, phase
	Lines     []string // the body, one paragraph each
	Questions []string // a check-in script's questions, in order
	Actions   []Action // buttons
	Form      *Form    // what "log it" asks for, when the kind has a form
	Fallback  string   // one line for notifications and text-only clients
	// Chart, when set, holds the figures of a team summary that an adapter
	// may draw as a picture. Whatever it holds is read by the whole team,
	// so it carries aggregates only, never a name.
	Chart *Chart
}

// Chart is the team-safe figures behind a summary's progress chart.
type Chart struct {
	Label       string  // what the figures are about: the team's name
	Week        int     // program week; 0 or less before launch
	Applied     int     // learners with a first application logged
	Learners    int     // learners on the team
	TargetShare float64 // L&D's target share of learners with one, 0–1
}

// AppliedShare is the share of learners with a first application, 0–1.
func (c Chart) AppliedShare() float64 { return share(c.Applied, c.Learners) }

// Action is a button. ID says what it does (one of the Act* constants);
// Value carries its argument (a learner and outcome, a pledge answer).
type Action struct {
	ID, Label, Value string
	Style            string // "primary", "danger" or ""
}

// The actions every adapter understands.
const (
	ActLog       = "log"        // open the form / log the nudge
	ActSnooze    = "snooze"     // postpone by the configured snooze
	ActSkip      = "skip"       // skip this week, with a reason
	ActUseful    = "useful"     // rate the nudge
	ActNotUseful = "not_useful" // rate the nudge
	ActOutcome   = "outcome"    // micro-assignment: Value is learner|outcome
	ActHold      = "hold"       // after ignored nudges: Value is keep, pause or stop
)

// Form is the structured reply a nudge asks for.
type Form struct {
	Title  string
	Submit string
	Fields []Field
}

// FieldType is how a field is entered.
type FieldType string

// Field types; adapters map them to their platform's inputs.
const (
	FieldText     FieldType = "text"
	FieldLongText FieldType = "longtext"
	FieldNumber   FieldType = "number"
	FieldDate     FieldType = "date"
	FieldChoice   FieldType = "choice"
	FieldToggle   FieldType = "toggle"
)

// Field is one input of a form.
type Field struct {
	ID, Label string
	Type      FieldType
	Options   []Option // choices
	Optional  bool
	Initial   string
	Hint      string
}

// Option is one choice of a choice field.
type Option struct{ Value, Label string }

// Reply field ids, shared by forms, adapters and the engine.
const (
	FieldMember  = "member"
	FieldTried   = "tried"
	FieldChanged = "changed"
	FieldMinutes = "minutes"
	FieldNext    = "next_action"
	FieldReview  = "review_date"
	FieldWin     = "win"
	FieldShare   = "share"
	FieldKept    = "kept"
	FieldPledge  = "pledge"
	FieldReason  = "reason"
	FieldNote    = "note"
	FieldOutcome = "outcome"
	FieldLearner = "learner"
	FieldHold    = "hold"
)

// Micro-assignment outcomes.
const (
	Applied      = "applied"
	NotYet       = "not_yet"
	NeedsSupport = "needs_support"
)

// Outcomes lists the micro-assignment outcomes with their labels.
var Outcomes = []Option{{Applied, "Applied"}, {NotYet, "Not yet"}, {NeedsSupport, "Needs support"}}

// Pledge outcomes.
var PledgeOutcomes = []Option{{"yes", "Yes"}, {"partly", "Partly"}, {"no", "No"}}

// PledgeSuggestions are concrete weekly commitments a manager can pick.
var PledgeSuggestions = []string{
	"Hold a five-minute check-in with every learner on my team",
	"Ask one learner to show me where they used the new skill",
	"Watch one micro-assignment in person and give feedback the same day",
	"Open our team meeting with one win from the program",
}
