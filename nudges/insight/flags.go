package insight

import (
	"cmp"
	"slices"
)

// streakSpot is how many weeks (or pledges) in a row make a bright spot.
const streakSpot = 4

// unreachableAfter is how many deliveries in a row must fail before the
// manager is flagged as one the bot cannot reach.
const unreachableAfter = 2

// missed reports whether a delivered nudge went unanswered: the bot closed
// it, or it has waited a week by To. A skip is an answer (the manager chose
// to skip, perhaps for a holiday).
func (b *Book) missed(e seqEntry) bool {
	if !e.sent || e.answered || e.skipped {
		return false
	}
	return e.expired || e.order <= int64(b.to-7)*86400+86399
}

// flagRun is a manager's red flag as a Book keeps it between reports: the
// manager is known and no team is named, so it takes 8 bytes, not 56.
type flagRun struct {
	kind uint8 // index in managerFlagKinds
	n    int32
}

var managerFlagKinds = [...]FlagKind{FlagMissedCheckIns, FlagIgnoring, FlagUnreachable, FlagBrokenPledges}

func (f flagRun) flag(manager string) Flag {
	return Flag{Kind: managerFlagKinds[f.kind], Manager: manager, N: int(f.n)}
}

func (b *Book) managerFlags(m *managerAgg) []flagRun {
	var out []flagRun
	seq := m.ordered(b.from, b.to)
	// Check-ins missed in a row, to the last one sent.
	run := 0
	for i := len(seq) - 1; i >= 0; i-- {
		if e := seq[i]; e.checkin && e.sent {
			if !b.missed(e) {
				break
			}
			run++
		}
	}
	if run >= 2 {
		out = append(out, flagRun{0, int32(run)})
	}
	// Any nudge left unanswered, in a row.
	run = 0
	for i := len(seq) - 1; i >= 0; i-- {
		if e := seq[i]; e.sent {
			if !b.missed(e) {
				break
			}
			run++
		}
	}
	if run >= b.p.IgnoredLimit {
		out = append(out, flagRun{1, int32(run)})
	}
	// Deliveries failing, to the last attempt.
	run = 0
	for i := len(seq) - 1; i >= 0; i-- {
		if e := seq[i]; e.sent || e.failed {
			if e.sent {
				break
			}
			run++
		}
	}
	if run >= unreachableAfter {
		out = append(out, flagRun{2, int32(run)})
	}
	if _, _, _, broken := m.pledgeFigures(); broken >= 2 {
		out = append(out, flagRun{3, int32(broken)})
	}
	return out
}

// teamFlags flags teams with learners two weeks past their module and not
// one first application among them.
func teamFlags(ts []TeamFigures) []Flag {
	var out []Flag
	for _, t := range ts {
		if t.Counted > 0 && t.Applied == 0 {
			out = append(out, Flag{Kind: FlagNoApplication, Manager: t.Manager, Team: t.Team, N: t.Counted})
		}
	}
	return out
}

func managerSpots(m *managerAgg, f ManagerFigures, teamOf func(string) string) []Spot {
	var out []Spot
	if f.Streak >= streakSpot {
		out = append(out, Spot{Kind: SpotStreak, Manager: m.id, N: f.Streak, Text: "weeks with a check-in"})
	}
	if f.KeptStreak >= streakSpot {
		out = append(out, Spot{Kind: SpotStreak, Manager: m.id, N: f.KeptStreak, Text: "pledges kept"})
	}
	for _, w := range m.wins {
		out = append(out, Spot{Kind: SpotSharedWin, Manager: m.id, Team: teamOf(w.learner), Text: w.text})
	}
	return out
}

// teamSpots are the teams at or above target and the one that rose most
// over the last week. Most improved is chosen among teams large enough to
// be shown, so hiding a small team never hides the spot itself.
func teamSpots(ts []TeamFigures, minGroup int) []Spot {
	var out []Spot
	best, rise := -1, 0.0
	for i, t := range ts {
		if t.Counted > 0 && t.Share >= t.Target {
			out = append(out, Spot{Kind: SpotAboveTarget, Manager: t.Manager, Team: t.Team, Share: t.Share})
		}
		if t.Counted >= minGroup && t.LastWeek >= 0 && t.Share-t.LastWeek > rise {
			best, rise = i, t.Share-t.LastWeek
		}
	}
	if best >= 0 {
		out = append(out, Spot{Kind: SpotImproved, Manager: ts[best].Manager, Team: ts[best].Team, Share: rise})
	}
	return out
}

// rankCounts orders counts most frequent first, then by label.
func rankCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Label, b.Label)
	})
	return out
}
