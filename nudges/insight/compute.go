package insight

import (
	"cmp"
	"slices"

	"github.com/nudgebot/nudgebot/nudges"
)

// applyWindow is how long after finishing the module a first application
// counts as the module taking hold.
const applyWindow = 14

type teamAgg struct {
	Team
	counted, applied         int
	lastCounted, lastApplied int
}

// firstApplication scores learner l at day: counted says the learner
// belongs in the share (the window has closed, or they already applied in
// it); applied says they applied within the window.
func firstApplication(l Learner, day nudges.Date) (counted, applied bool) {
	if l.Module.IsZero() || day.Before(l.Module) {
		return false, false
	}
	end := l.Module.AddDays(applyWindow)
	applied = !l.Applied.IsZero() && !day.Before(l.Applied) && !end.Before(l.Applied)
	return applied || !day.Before(end), applied
}

// Report computes every figure from what the Book holds.
func (b *Book) Report() Report {
	p := b.p
	r := Report{Program: p.Program.ID, From: p.From, To: p.To, MinGroup: p.MinGroup}
	applied := b.teamShares()
	r.Teams = b.teamFigures()
	weeks := map[int]*WeekReach{}
	teamOf := b.learnerTeams()
	for _, m := range b.managers {
		f, ws := b.managerFigures(m)
		r.Managers = append(r.Managers, f)
		r.Reach.Managers++
		nudged, answered := false, false
		for _, w := range ws {
			a := m.at(w)
			wr := weeks[w]
			if wr == nil {
				wr = &WeekReach{Week: w}
				weeks[w] = wr
			}
			wr.Minutes += a.minutes
			if a.nudged {
				wr.Nudged++
				nudged = true
			}
			if a.answered {
				wr.Answered++
				answered = true
			}
			if a.checkins > 0 {
				wr.Coached++
			}
		}
		r.Reach.Nudged += b2i(nudged)
		r.Reach.Answered += b2i(answered)
		r.Reach.Coached += b2i(f.CheckIns > 0)
		r.Flags = append(r.Flags, b.managerFlags(m)...)
		r.Spots = append(r.Spots, managerSpots(m, f, teamOf)...)
	}
	for _, w := range weeks {
		r.Weeks = append(r.Weeks, *w)
	}
	slices.SortFunc(r.Weeks, func(a, b WeekReach) int { return cmp.Compare(a.Week, b.Week) })
	r.Cadences = b.effects(applied)
	for _, e := range r.Cadences {
		r.Reach.Delivered += e.Delivered
		r.Reach.Replied += e.Answered
	}
	r.Reach.AnswerRate = ratio(r.Reach.Replied, r.Reach.Delivered)
	r.Flags = append(r.Flags, teamFlags(r.Teams)...)
	r.Spots = append(r.Spots, teamSpots(r.Teams, p.MinGroup)...)
	r.Experiments = b.experiments(r.Managers)
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// teamShares scores every learner into their team, at To and a week
// earlier, and returns each manager's learners' first-application dates in
// order (for "a first application followed the nudge").
func (b *Book) teamShares() map[int32][]nudges.Date {
	out := map[int32][]nudges.Date{}
	lastWeek := b.p.To.AddDays(-7)
	// The shares are counted afresh each time: a live Book is reported
	// again and again as facts arrive.
	for _, t := range b.teams {
		t.counted, t.applied, t.lastCounted, t.lastApplied = 0, 0, 0, 0
	}
	for _, l := range b.learners {
		t := b.teams[l.Team]
		if t == nil {
			continue
		}
		if c, a := firstApplication(l, b.p.To); c {
			t.counted++
			t.applied += b2i(a)
		}
		if c, a := firstApplication(l, lastWeek); c {
			t.lastCounted++
			t.lastApplied += b2i(a)
		}
		if !l.Applied.IsZero() {
			mi := b.byID[t.Manager]
			out[mi] = append(out[mi], l.Applied)
		}
	}
	for _, ds := range out {
		slices.SortFunc(ds, nudges.Date.Compare)
	}
	return out
}

func (b *Book) teamFigures() []TeamFigures {
	out := make([]TeamFigures, 0, len(b.teamIDs))
	for _, id := range b.teamIDs {
		t := b.teams[id]
		f := TeamFigures{Team: t.ID, Name: t.Name, Manager: t.Manager, Counted: t.counted, Applied: t.applied,
			Share: ratio(t.applied, t.counted), Target: b.p.Targets.FirstApplicationShare, LastWeek: -1}
		if t.lastCounted > 0 {
			f.LastWeek = ratio(t.lastApplied, t.lastCounted)
		}
		out = append(out, f)
	}
	return out
}

// learnerTeams maps a learner to their team, for shared wins. The map is
// built on first use: most reports have few wins and many learners.
func (b *Book) learnerTeams() func(string) string {
	var m map[string]string
	return func(id string) string {
		if m == nil {
			m = make(map[string]string, len(b.learners))
			for _, l := range b.learners {
				m[l.ID] = l.Team
			}
		}
		return m[id]
	}
}

func (b *Book) managerFigures(m *managerAgg) (ManagerFigures, []int) {
	ws := m.activeWeeks()
	f := ManagerFigures{Manager: m.id, Weeks: len(ws), Target: b.p.Targets.CoachingMinutes}
	for _, w := range ws {
		a := m.at(w)
		f.Minutes += a.minutes
		f.CheckIns += a.checkins
		if f.Target > 0 && a.minutes >= f.Target {
			f.WeeksOnTarget++
		}
	}
	if f.Weeks > 0 {
		f.PerWeek = float64(f.Minutes) / float64(f.Weeks)
	}
	f.Streak = m.checkInStreak(ws)
	f.Hold = m.hold
	f.Pledges, f.KeptRate, f.KeptStreak, _ = m.pledgeFigures()
	return f, ws
}
