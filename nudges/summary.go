package nudges

import (
	"fmt"
	"math"
)

// Entry is a coaching log as the metrics see it.
type Entry struct {
	Kind    string // checkin, assignment, pledge, …
	Learner string
	Minutes int
	Win     string
	Shared  bool // the manager agreed to share the win with the team
}

// Progress is one team's week, measured against L&D's targets.
type Progress struct {
	Program *Program
	Today   Date
	Team    *Team
	Manager *Manager
	Targets Targets

	Learners int      // learners on the team
	Applied  int      // of them, with a first application logged
	NotYet   []string // names of the others (manager's eyes only)
	CheckIns int      // check-ins logged this week
	Minutes  int      // coaching minutes logged this week
	Wins     []Win    // wins logged this week

	Streak                 int // pledges kept in a row
	Pledged, Kept, Partly  int // pledges reviewed; kept fully; kept partly
	PledgeThisWeek         string
	PledgeReviewedThisWeek string // yes, partly, no or ""
}

// Win is a success a manager logged about a learner.
type Win struct {
	Member, Text string
	Shared       bool
}

// Measure computes a team's progress from its learners' first-application
// status and the manager's logs of the week. Pledge figures come from what
// the bot remembers and are filled in by the caller.
func Measure(team *Team, applied func(learner string) bool, week []Entry) Progress {
	p := Progress{Team: team, Learners: len(team.Members)}
	names := make(map[string]string, len(team.Members))
	for _, mb := range team.Members {
		names[mb.ID] = mb.Name
		if applied(mb.ID) {
			p.Applied++
		} else {
			p.NotYet = append(p.NotYet, mb.Name)
		}
	}
	for _, e := range week {
		// Coaching minutes are the manager's, whichever team the learner
		// is on; check-ins and wins are counted for this team only.
		p.Minutes += e.Minutes
		if _, ours := names[e.Learner]; e.Kind == string(KindCheckIn) && (ours || e.Learner == "") {
			p.CheckIns++
		}
		if e.Win != "" {
			if name, ok := names[e.Learner]; ok {
				p.Wins = append(p.Wins, Win{Member: name, Text: e.Win, Shared: e.Shared})
			}
		}
	}
	return p
}

// AppliedShare is the share of learners with a first application, 0–1.
func (p Progress) AppliedShare() float64 { return share(p.Applied, p.Learners) }

// share is applied / learners, 0 for a team without learners.
func share(applied, learners int) float64 {
	if learners <= 0 {
		return 0
	}
	return float64(applied) / float64(learners)
}

// KeptRate is the share of reviewed pledges kept (partly kept counts half).
func (p Progress) KeptRate() float64 {
	if p.Pledged == 0 {
		return 0
	}
	return (float64(p.Kept) + float64(p.Partly)/2) / float64(p.Pledged)
}

func pct(f float64) int { return int(math.Round(f * 100)) }

// DefaultMinGroup is the minimum group size when the targets name none.
const DefaultMinGroup = 5

// MinGroupOf is t's minimum group size, the default when unset: privacy is
// the default, not something a caller has to remember.
func MinGroupOf(t Targets) int {
	if t.MinGroup > 0 {
		return t.MinGroup
	}
	return DefaultMinGroup
}

// TeamSummary is the version posted in the team channel: aggregates and
// shared wins only. Nobody is singled out for what they have not done yet,
// and a team smaller than the minimum group gets no figures at all: with
// four learners, "1 of 4" tells the room who.
func TeamSummary(p Progress) Message {
	m := Message{
		Kind:    KindSummary,
		Title:   fmt.Sprintf("%s: our week in %s", p.Team.Name, p.Program.Name),
		Context: Where(p.Program, p.Today),
	}
	small := p.Learners < MinGroupOf(p.Targets)
	if small {
		m.Lines = append(m.Lines, fmt.Sprintf("Progress figures are shared here once %d or more of us are on the program.", MinGroupOf(p.Targets)))
	} else {
		m.Lines = append(m.Lines,
			fmt.Sprintf("%d of %d of us (%d%%) have put the new skills to work on the job — our goal is %d%%.",
				p.Applied, p.Learners, pct(p.AppliedShare()), pct(p.Targets.FirstApplicationShare)))
	}
	if p.CheckIns > 0 {
		m.Lines = append(m.Lines, fmt.Sprintf("%s this week.", plural(p.CheckIns, "coaching conversation")))
	}
	for _, w := range p.Wins {
		if w.Shared {
			m.Lines = append(m.Lines, fmt.Sprintf("Win: %s — %s", w.Member, w.Text))
		}
	}
	if small {
		m.Fallback = fmt.Sprintf("%s: our week in %s", p.Team.Name, p.Program.Name)
		return m
	}
	m.Fallback = fmt.Sprintf("%s: %d%% have applied the program (goal %d%%)", p.Team.Name, pct(p.AppliedShare()), pct(p.Targets.FirstApplicationShare))
	// The chart shows what the text says, no more: the manager's coaching
	// minutes and who has not applied stay out of the channel.
	m.Chart = &Chart{Label: p.Team.Name, Week: p.Program.Week(p.Today), Applied: p.Applied,
		Learners: p.Learners, TargetShare: p.Targets.FirstApplicationShare}
	return m
}

// ManagerSummary is the fuller version sent to the manager alone: who has
// not applied yet, the manager's own coaching minutes, pledges and streak.
func ManagerSummary(p Progress) Message {
	m := Message{
		Kind:    KindSummary,
		Title:   fmt.Sprintf("Your week with %s", p.Team.Name),
		Context: Where(p.Program, p.Today),
	}
	share, target := pct(p.AppliedShare()), pct(p.Targets.FirstApplicationShare)
	line := fmt.Sprintf("First application: %d of %d learners (%d%%), target %d%%.", p.Applied, p.Learners, share, target)
	if share >= target {
		line += " On target."
	}
	m.Lines = append(m.Lines, line)
	if len(p.NotYet) > 0 {
		m.Lines = append(m.Lines, "Not yet applied: "+joinNames(p.NotYet)+". A micro-assignment or a short check-in may help.")
	}
	m.Lines = append(m.Lines, fmt.Sprintf("Coaching time this week: %d of %d minutes (%s logged).",
		p.Minutes, p.Targets.CoachingMinutes, plural(p.CheckIns, "check-in")))
	switch {
	case p.Pledged > 0:
		m.Lines = append(m.Lines, fmt.Sprintf("Pledges kept: %d%% of %d; current streak %d.", pct(p.KeptRate()), p.Pledged, p.Streak))
	case p.PledgeThisWeek != "":
		m.Lines = append(m.Lines, "Your first pledge is in: "+p.PledgeThisWeek)
	default:
		m.Lines = append(m.Lines, "No pledge yet: one concrete coaching action a week is the habit that makes the rest easy.")
	}
	for _, w := range p.Wins {
		tag := " (kept private)"
		if w.Shared {
			tag = " (shared with the team)"
		}
		m.Lines = append(m.Lines, fmt.Sprintf("Win: %s — %s%s", w.Member, w.Text, tag))
	}
	m.Fallback = fmt.Sprintf("Your week: %d%% applied, %d of %d coaching minutes", share, p.Minutes, p.Targets.CoachingMinutes)
	return m
}

// ShoutOutMessage celebrates a win in the team channel. It is only composed
// after the manager confirmed sharing it.
func ShoutOutMessage(team *Team, manager *Manager, member, win string) Message {
	return Message{
		Kind:     KindShoutOut,
		Title:    fmt.Sprintf("Shout-out for %s", member),
		Lines:    []string{win, fmt.Sprintf("— shared by %s", manager.Name)},
		Fallback: fmt.Sprintf("Shout-out for %s: %s", member, win),
	}
}

func joinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return ""
	case 1:
		return ns[0]
	}
	out := ""
	for i, n := range ns {
		switch {
		case i == 0:
			out = n
		case i == len(ns)-1:
			out += " and " + n
		default:
			out += ", " + n
		}
	}
	return out
}
