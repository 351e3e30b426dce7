package insight

// Audience is who is going to read a report. Every renderer takes a View,
// and For is the one place that decides what each audience may see.
type Audience struct {
	kind    audienceKind
	Manager string // a manager: whose own figures
	Team    string // a channel: which team's
}

type audienceKind int

const (
	audLnD audienceKind = iota + 1
	audManager
	audChannel
)

// LnD is L&D's admins, in a direct message or a report file.
func LnD() Audience { return Audience{kind: audLnD} }

// ManagerOf is one manager, who sees their own teams whatever their size.
func ManagerOf(id string) Audience { return Audience{kind: audManager, Manager: id} }

// Channel is a team's channel: read by the whole team and whoever else is
// in it, so it gets aggregates of groups of at least MinGroup and never a
// red flag.
func Channel(team string) Audience { return Audience{kind: audChannel, Team: team} }

// IsChannel reports whether the audience is a channel.
func (a Audience) IsChannel() bool { return a.kind == audChannel }

// View is a Report cut to what one audience may see.
type View struct {
	Report
	Audience Audience `json:"-"`
}

// For returns what audience a may see of r:
//   - every audience: a team aggregate over fewer than MinGroup learners is
//     hidden (zeroed, Hidden set), except to the team's own manager, and so
//     is every flag or spot it would give away;
//   - a manager: their own figures, teams, flags and spots only;
//   - a channel: its own team's figures and shared wins only; no red flag,
//     no one's coaching figures, no experiment.
//
// A zero Audience sees nothing.
func (r Report) For(a Audience) View {
	v := View{Audience: a, Report: Report{Program: r.Program, From: r.From, To: r.To, MinGroup: r.MinGroup}}
	small := func(t TeamFigures) bool {
		return t.Counted < r.MinGroup && !(a.kind == audManager && t.Manager == a.Manager)
	}
	hidden := map[string]bool{}
	for _, t := range r.Teams {
		switch {
		case a.kind == audManager && t.Manager != a.Manager, a.kind == audChannel && t.Team != a.Team, a.kind == 0:
			continue
		case small(t):
			hidden[t.Team] = true
			t = TeamFigures{Team: t.Team, Name: t.Name, Manager: t.Manager, Target: t.Target, LastWeek: -1, Hidden: true}
		}
		v.Teams = append(v.Teams, t)
	}
	ours := func(manager, team string) bool {
		switch a.kind {
		case audLnD:
			return !hidden[team]
		case audManager:
			return manager == a.Manager
		}
		return false
	}
	switch a.kind {
	case audLnD:
		v.Reach, v.Weeks, v.Cadences, v.Managers = r.Reach, r.Weeks, r.Cadences, r.Managers
		for _, c := range r.Experiments {
			v.Experiments = append(v.Experiments, c.forLnD(r.MinGroup))
		}
	case audManager:
		if r.Reach.Managers >= r.MinGroup {
			v.Reach, v.Weeks, v.Cadences = r.Reach, r.Weeks, r.Cadences
		}
		for _, m := range r.Managers {
			if m.Manager == a.Manager {
				v.Managers = append(v.Managers, m)
			}
		}
	}
	for _, f := range r.Flags {
		if ours(f.Manager, f.Team) {
			v.Flags = append(v.Flags, f)
		}
	}
	for _, s := range r.Spots {
		switch {
		case a.kind == audChannel:
			// Only what the team may read about itself: a win its manager
			// agreed to share with it, and being at target.
			if s.Team == a.Team && !hidden[s.Team] && (s.Kind == SpotSharedWin || s.Kind == SpotAboveTarget) {
				v.Spots = append(v.Spots, s)
			}
		case ours(s.Manager, s.Team):
			v.Spots = append(v.Spots, s)
		}
	}
	return v
}

// forLnD hides the figures of an experiment group too small to be an
// aggregate: one held-out manager's minutes are that manager's minutes.
func (c Comparison) forLnD(minGroup int) Comparison {
	for _, arm := range []*Arm{&c.Treated, &c.HeldOut} {
		if arm.Managers < minGroup || arm.Learners < minGroup {
			*arm = Arm{Managers: arm.Managers}
			c.Application, c.Minutes, c.TooSmall = Interval{}, Interval{}, true
		}
	}
	return c
}
