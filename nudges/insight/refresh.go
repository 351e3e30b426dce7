package insight

import (
	"slices"
	"sort"
	"strings"
)

// managerOut is what a report computed of one manager. It is kept so that
// the next report recomputes only the managers that facts touched since:
// a live Book of a hundred thousand managers reports in the time it takes
// to copy their figures, not to count them.
type managerOut struct {
	// shown says the manager is in the report: they lead a team, or a
	// nudge or a reply of theirs falls in the range. A growing Book also
	// holds nudges dated after it, for managers already in tomorrow.
	shown bool
	fig   ManagerFigures
	flags []flagRun
	spots []Spot
	// cads is the manager's share of each cadence's delivered nudges and
	// of those a first application followed, taken back out of the
	// cadences' totals when the manager is recomputed.
	cads []cadShare
}

type cadShare struct {
	cad                 int32 // index in Book.cadList
	seen                int32 // nudges in the range, delivered or not
	delivered, followed int32
}

// refresh recomputes what facts touched since the last report.
func (b *Book) refresh() {
	if b.orderDirty {
		b.order = b.order[:0]
		for i := range b.managers {
			b.order = append(b.order, int32(i))
		}
		slices.SortFunc(b.order, func(x, y int32) int { return strings.Compare(b.managers[x].id, b.managers[y].id) })
		b.orderDirty = false
	}
	if b.allDirty {
		for id := range b.teams {
			b.refreshTeam(id)
		}
		for i := range b.managers {
			b.refreshManager(int32(i))
		}
	} else {
		for id := range b.dirtyT {
			b.refreshTeam(id)
		}
		for i := range b.dirtyM {
			b.refreshManager(i)
		}
	}
	clear(b.dirtyT)
	clear(b.dirtyM)
	b.allDirty = false
}

// refreshTeam scores the team's learners at To and a week earlier.
func (b *Book) refreshTeam(id string) {
	t := b.teams[id]
	if t == nil {
		return
	}
	t.counted, t.applied, t.lastCounted, t.lastApplied = 0, 0, 0, 0
	lastWeek := b.p.To.AddDays(-7)
	for _, i := range b.members[id] {
		l := b.learners[i]
		if c, a := firstApplication(l, b.p.To); c {
			t.counted++
			t.applied += b2i(a)
		}
		if c, a := firstApplication(l, lastWeek); c {
			t.lastCounted++
			t.lastApplied += b2i(a)
		}
	}
}

// refreshManager recomputes one manager's figures, flags and spots, and
// their share of the cadences' totals.
func (b *Book) refreshManager(i int32) {
	m := b.managers[i]
	for w := range m.weeks {
		m.weeks[w].nudged = false
	}
	applied := b.appliedDates(m.id)
	shares := m.out.cads[:0:0]
	shown := m.replied || len(b.led[m.id]) > 0
	for _, e := range m.seq {
		if int(e.day) < b.from || int(e.day) > b.to {
			continue
		}
		shown = true
		j := slices.IndexFunc(shares, func(s cadShare) bool { return s.cad == e.cad-1 })
		if j < 0 {
			shares = append(shares, cadShare{cad: e.cad - 1})
			j = len(shares) - 1
		}
		shares[j].seen++
		if !e.sent {
			continue
		}
		m.week(week(int(e.day), b.launch)).nudged = true
		shares[j].delivered++
		day := int(e.day)
		k := sort.SearchInts(applied, day)
		if k < len(applied) && applied[k] <= day+applyWindow {
			shares[j].followed++
		}
	}
	for _, s := range m.out.cads {
		c := b.cadList[s.cad]
		c.seen -= int(s.seen)
		c.delivered -= int(s.delivered)
		c.followed -= int(s.followed)
	}
	for _, s := range shares {
		c := b.cadList[s.cad]
		c.seen += int(s.seen)
		c.delivered += int(s.delivered)
		c.followed += int(s.followed)
	}
	f, _ := b.managerFigures(m)
	m.out = managerOut{shown: shown, fig: f, flags: b.managerFlags(m), spots: managerSpots(m, f, b.learnerTeam), cads: shares}
}

// appliedDates are the day numbers of the first applications of the
// learners in the manager's teams, in order.
func (b *Book) appliedDates(manager string) []int {
	var out []int
	for _, id := range b.led[manager] {
		for _, i := range b.members[id] {
			if l := b.learners[i]; !l.Applied.IsZero() {
				out = append(out, dayNum(l.Applied))
			}
		}
	}
	slices.Sort(out)
	return out
}

// learnerTeam is the team of a learner, for shared wins.
func (b *Book) learnerTeam(id string) string {
	if i, ok := b.learnerX[id]; ok {
		return b.learners[i].Team
	}
	return ""
}
