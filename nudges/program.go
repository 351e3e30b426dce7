package nudges

// Phase is where a program stands relative to its launch.
type Phase string

// The phases of a rollout, derived from the program week.
const (
	PreLaunch     Phase = "pre-launch"    // weeks before launch: briefing, leadership pledge
	Activation    Phase = "activation"    // weeks 1–2: first assignment, first application
	Consolidation Phase = "consolidation" // weeks 3–8: weekly coaching
	Reinforcement Phase = "reinforcement" // after week 8: monthly conversations
)

// Phases lists every phase in order.
var Phases = []Phase{PreLaunch, Activation, Consolidation, Reinforcement}

// Program is a learning rollout.
type Program struct {
	ID, Name    string
	Launch      Date
	Weeks       int // length of the rollout; reinforcement follows it
	Assignments []Assignment
	Paused      bool
}

// Assignment is a small on-the-job task learners do and managers observe.
type Assignment struct {
	ID, Title, Instructions string
	Week                    int // program week it is handed out
	DueDays                 int // days after hand-out the manager should look for it
}

// Week is the program week d falls in: 1 is the launch day and the six days
// after it; days before launch give 0, -1, … (pre-launch weeks).
func (p *Program) Week(d Date) int {
	days := d.DaysSince(p.Launch)
	if days >= 0 {
		return days/7 + 1
	}
	return -((-days - 1) / 7)
}

// Phase is the phase of the program on d.
func (p *Program) Phase(d Date) Phase { return PhaseOfWeek(p.Week(d)) }

// PhaseOfWeek maps a program week to its phase.
func PhaseOfWeek(w int) Phase {
	switch {
	case w <= 0:
		return PreLaunch
	case w <= 2:
		return Activation
	case w <= 8:
		return Consolidation
	default:
		return Reinforcement
	}
}

// AssignmentsDue lists the assignments handed out by program week w, most
// recent first: the ones a manager should be watching for.
func (p *Program) AssignmentsDue(w int) []Assignment {
	var out []Assignment
	for i := len(p.Assignments) - 1; i >= 0; i-- {
		if p.Assignments[i].Week <= w {
			out = append(out, p.Assignments[i])
		}
	}
	return out
}

// Script is a time-boxed conversation guide for a check-in.
type Script struct {
	ID, Title string
	Minutes   int // 5, 15 or 30
	Questions []string
}

// Targets are L&D's goals the metrics are read against.
type Targets struct {
	FirstApplicationShare float64 // share of learners with a first application, 0–1
	CoachingMinutes       int     // coaching minutes per manager per week
	// MinGroup is the fewest people a team aggregate may cover before it
	// is shown to anyone but the team's own manager.
	MinGroup int
}
