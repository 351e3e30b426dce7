package nudges

import (
	"cmp"
	"slices"
	"time"
)

// Planner computes when recurring nudges fall. The live scheduler and the
// dry-run plan both call it, so what L&D previews is what managers get.
type Planner struct {
	Programs  map[string]*Program
	Cadences  []*Cadence
	MaxPerDay int // 0: no cap
	// MaxPerWeek caps a manager's scheduled nudges per local week (Monday
	// to Sunday) across all programs; 0: no cap. The week's first ones
	// keep their places, so the preview and the live schedule agree
	// whichever day either looks at.
	MaxPerWeek int
}

// Occurrence is one recurring nudge at one instant.
type Occurrence struct {
	Manager *Manager
	Cadence *Cadence
	Program *Program
	At      time.Time
	Local   Date // the manager's local date it belongs to
}

// ID is the nudge id of the occurrence.
func (o Occurrence) ID() string { return NudgeID(o.Manager.ID, o.Cadence.ID, o.Local.String()) }

// Day lists the recurring nudges manager m gets on local date d, in order,
// after working days, working hours and the daily cap. A cadence nudges at
// most once a day: at its first time that day, moved to the start of working
// hours when earlier, dropped when at or after their end (we never nudge
// after hours, and pushing it to tomorrow would collide with tomorrow's).
func (p *Planner) Day(m *Manager, d Date) []Occurrence {
	out := p.day(m, d)
	if p.MaxPerWeek <= 0 || len(out) == 0 {
		return out
	}
	// What the days of this week before d already took of the cap.
	used := 0
	for back := (int(d.Weekday()) + 6) % 7; back > 0 && used < p.MaxPerWeek; back-- {
		used += len(p.day(m, d.AddDays(-back)))
	}
	return out[:max(0, min(len(out), p.MaxPerWeek-used))]
}

// day is Day before the weekly cap.
func (p *Planner) day(m *Manager, d Date) []Occurrence {
	cal := &m.Calendar
	if !cal.IsWorkingDay(d) {
		return nil
	}
	var out []Occurrence
	for _, c := range p.Cadences {
		if !c.Recurring() || !c.For(m) {
			continue
		}
		prog := p.Programs[c.Program]
		if prog == nil || prog.Paused || !c.activeIn(prog.Week(d)) || !c.Recurrence.Matches(d) {
			continue
		}
		hm := c.Recurrence.Times()[0]
		if hm >= cal.End {
			continue
		}
		hm = max(hm, cal.Start)
		out = append(out, Occurrence{Manager: m, Cadence: c, Program: prog, At: cal.At(d, hm), Local: d})
	}
	slices.SortFunc(out, func(a, b Occurrence) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Cadence.ID, b.Cadence.ID))
	})
	if p.MaxPerDay > 0 && len(out) > p.MaxPerDay {
		out = out[:p.MaxPerDay]
	}
	return out
}

// Next is the first occurrence of cadence c for manager m strictly after t.
// ok is false when there is none within maxSearchDays (a finished phase
// window, an expression that never meets a working day).
func (p *Planner) Next(m *Manager, c *Cadence, after time.Time) (Occurrence, bool) {
	d := DateOf(after.In(m.Calendar.Location))
	for i := 0; i < maxSearchDays; i, d = i+1, d.AddDays(1) {
		for _, o := range p.Day(m, d) {
			if o.Cadence == c && o.At.After(after) {
				return o, true
			}
		}
	}
	return Occurrence{}, false
}

// Days calls fn for every recurring occurrence for m on the n local dates
// from first on, in order: the window of `plan`. It is a range of dates,
// not of instants, because an instant for "midnight" does not exist where a
// DST gap starts at midnight (America/Santiago) and an occurrence moved out
// of a late-evening gap (America/Nuuk, 23:30) lands on the next date's
// midnight: each day's occurrences are Day's, whose instants come from
// Calendar.At like the live schedule's, and belong to the date they were
// planned for.
func (p *Planner) Days(m *Manager, first Date, n int, fn func(Occurrence)) {
	for d, i := first, 0; i < n; d, i = d.AddDays(1), i+1 {
		for _, o := range p.Day(m, d) {
			fn(o)
		}
	}
}

// Range calls fn for every recurring occurrence for m in [from, to), in order.
func (p *Planner) Range(m *Manager, from, to time.Time, fn func(Occurrence)) {
	loc := m.Calendar.Location
	last := DateOf(to.In(loc))
	for d := DateOf(from.In(loc)); !last.Before(d); d = d.AddDays(1) {
		for _, o := range p.Day(m, d) {
			if !o.At.Before(from) && o.At.Before(to) {
				fn(o)
			}
		}
	}
}
