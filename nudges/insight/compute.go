package insight

import (
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

// Report computes every figure from what the Book holds: the managers and
// teams that facts touched since the last report are recomputed, the
// rest are as they were.
func (b *Book) Report() Report {
	b.refresh()
	p := b.p
	r := Report{Program: p.Program.ID, From: p.From, To: p.To, MinGroup: p.MinGroup}
	r.Teams = b.teamFigures()
	var weeks []WeekReach // by week, from the range's first
	base := week(b.from, b.launch)
	r.Managers = make([]ManagerFigures, 0, len(b.order))
	for _, i := range b.order {
		m := b.managers[i]
		if !m.out.shown {
			continue
		}
		f := m.out.fig
		r.Managers = append(r.Managers, f)
		r.Reach.Managers++
		nudged, answered := false, false
		for wi, a := range m.weeks {
			if !a.active() {
				continue
			}
			w := m.base + wi - base
			for len(weeks) <= w {
				weeks = append(weeks, WeekReach{Week: base + len(weeks)})
			}
			wr := &weeks[w]
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
		for _, f := range m.out.flags {
			r.Flags = append(r.Flags, f.flag(m.id))
		}
		r.Spots = append(r.Spots, m.out.spots...)
	}
	for _, w := range weeks {
		if w != (WeekReach{Week: w.Week}) {
			r.Weeks = append(r.Weeks, w)
		}
	}
	r.Cadences = b.effects()
	for _, e := range r.Cadences {
		r.Reach.Delivered += e.Delivered
		r.Reach.Replied += e.Answered
	}
	r.Reach.AnswerRate = ratio(r.Reach.Replied, r.Reach.Delivered)
	r.Flags = append(r.Flags, teamFlags(r.Teams)...)
	r.Spots = append(r.Spots, teamSpots(r.Teams, p.MinGroup)...)
	r.Experiments = b.experiments()
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

func (b *Book) managerFigures(m *managerAgg) (ManagerFigures, []int) {
	ws := m.activeWeeks()
	f := ManagerFigures{Manager: m.id, Weeks: len(ws), Target: b.p.Targets.CoachingMinutes}
	for _, w := range ws {
		a := m.at(w)
		f.Minutes += a.minutes
		f.CheckIns += int(a.checkins)
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
