package insight_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// The program of the hand-built logs: launched Monday 7 September 2026,
// read over its first six weeks (to Sunday 18 October).
var (
	launch  = day("2026-09-07")
	program = &nudges.Program{ID: "coach", Name: "Coaching", Launch: launch, Weeks: 8}
	params  = insight.Params{Program: program, From: launch, To: day("2026-10-18"),
		Targets: nudges.Targets{FirstApplicationShare: 0.5, CoachingMinutes: 30}}
)

func day(s string) nudges.Date {
	d, err := nudges.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at is a time on day d in program week w (1-based), day offset o (0 is
// Monday), at hour h UTC.
func at(w, o, h int) time.Time {
	return time.Date(launch.Year, launch.Month, launch.Day+(w-1)*7+o, h, 0, 0, 0, time.UTC)
}

// sent is a delivered nudge in week w, Monday 9:00.
func sent(id, manager, cadence string, kind nudges.Kind, w int) insight.Nudge {
	t := at(w, 0, 9)
	return insight.Nudge{ID: id, Manager: manager, Cadence: cadence, Kind: kind, Day: nudges.DateOf(t), Sent: t}
}

func expired(n insight.Nudge) insight.Nudge { n.Expired = true; return n }

func failed(id, manager string, w int) insight.Nudge {
	return insight.Nudge{ID: id, Manager: manager, Cadence: "weekly", Kind: nudges.KindCheckIn,
		Day: nudges.DateOf(at(w, 0, 9)), Failed: true}
}

// reply is a log of kind to nudge, h hours after its Monday 9:00.
func reply(manager, nudge, kind string, w, h int) insight.Reply {
	t := at(w, 0, 9).Add(time.Duration(h) * time.Hour)
	return insight.Reply{Manager: manager, Nudge: nudge, Kind: kind, Day: nudges.DateOf(t), At: t}
}

func checkin(manager, nudge string, w, minutes int) insight.Reply {
	r := reply(manager, nudge, string(nudges.KindCheckIn), w, 2)
	r.Minutes = minutes
	return r
}

// facts builds a Book from teams, learners, nudges and replies, in that
// order, as a store scan gives them.
type facts struct {
	teams    []insight.Team
	learners []insight.Learner
	nudges   []insight.Nudge
	replies  []insight.Reply
}

func (f facts) report(t *testing.T, p insight.Params) insight.Report {
	t.Helper()
	b := insight.NewBook(p)
	for _, x := range f.teams {
		b.AddTeam(x)
	}
	for _, x := range f.learners {
		b.AddLearner(x)
	}
	for _, x := range f.nudges {
		b.AddNudge(x)
	}
	for _, x := range f.replies {
		b.AddReply(x)
	}
	// A Book may be reported again as facts arrive (the dashboard's live
	// figures): asking twice must not count anything twice.
	first, again := b.Report(), b.Report()
	if !reflect.DeepEqual(first, again) {
		t.Errorf("a second report of the same Book differs:\n%+v\n%+v", first, again)
	}
	return again
}

func team(id, manager string) insight.Team {
	return insight.Team{ID: id, Name: "Team " + id, Manager: manager}
}

// learners returns n learners of team, with their module finished on
// module and the first `applied` of them applying `after` days later.
func learners(teamID string, n int, module nudges.Date, applied, after int) []insight.Learner {
	out := make([]insight.Learner, n)
	for i := range out {
		out[i] = insight.Learner{ID: teamID + "-l" + string(rune('a'+i)), Team: teamID, Module: module}
		if i < applied {
			out[i].Applied = module.AddDays(after)
		}
	}
	return out
}

func managerOf(r insight.Report, id string) insight.ManagerFigures {
	for _, m := range r.Managers {
		if m.Manager == id {
			return m
		}
	}
	return insight.ManagerFigures{}
}

func teamOf(r insight.Report, id string) insight.TeamFigures {
	for _, t := range r.Teams {
		if t.Team == id {
			return t
		}
	}
	return insight.TeamFigures{}
}

func near(a, b float64) bool { return a-b < 1e-3 && b-a < 1e-3 }
