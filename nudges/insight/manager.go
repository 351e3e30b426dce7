package insight

import (
	"slices"

	"github.com/nudgebot/nudgebot/nudges"
)

// managerAgg is what a Book keeps per manager: per program week, counts;
// per nudge, a few bytes for the "in a row" flags; per pledge review, its
// outcome.
type managerAgg struct {
	id string
	// heldOut has bit i set when the manager is held out of the cadence
	// Book.holds[i] (the first 64; beyond, it is worked out when asked).
	heldOut uint64
	// out is what the last report computed of the manager.
	out managerOut
	// weeks holds the range's program weeks, from base: a slice, not a
	// map, because every fact touches one and there are millions.
	weeks     []weekAgg
	base      int
	seq       []seqEntry
	reminders []reminder
	pledges   []pledgeEntry
	wins      []winEntry
	hold      string // the latest hold step
	holdAt    int64
	replied   bool // said something in the range
}

type weekAgg struct {
	nudged, answered bool
	checkins         int32
	minutes          int
}

// seqEntry is one nudge of the manager's.
type seqEntry struct {
	id       uint64 // hash of its id (Book.key)
	order    int64  // sent time (unix seconds), or the day's noon when not delivered
	day      int32  // day number it went out (or was due)
	cad      int32  // 1 + index in Book.cadList
	checkin  bool   // a check-in: missing two in a row is a flag of its own
	sent     bool
	failed   bool
	expired  bool
	answered bool
	skipped  bool
}

// reminder is a reminder or snooze of one of the manager's nudges: its
// answers count toward that root.
type reminder struct {
	id   uint64 // hash of its id
	sent int64  // unix seconds; 0 if not delivered
	root int32  // index in seq
}

// lookup finds the nudge with id hash h among the manager's: the index in
// seq of the nudge, or of a reminder's root, and the reminder's index (-1
// for a nudge). Newest first: replies mostly answer the latest nudges.
func (m *managerAgg) lookup(h uint64) (root, rem int32, ok bool) {
	for i := len(m.seq) - 1; i >= 0; i-- {
		if m.seq[i].id == h {
			return int32(i), -1, true
		}
	}
	for i := len(m.reminders) - 1; i >= 0; i-- {
		if m.reminders[i].id == h {
			return m.reminders[i].root, int32(i), true
		}
	}
	return 0, 0, false
}

// unixOf is when n was delivered, in unix seconds; 0 if it was not.
func unixOf(n Nudge) int64 {
	if n.Sent.IsZero() {
		return 0
	}
	return n.Sent.Unix()
}

type pledgeEntry struct {
	at   int64
	kept string
}

type winEntry struct{ learner, text string }

// week is the aggregate of program week w; facts are placed in the range,
// so w is never before base.
func (m *managerAgg) week(w int) *weekAgg {
	i := w - m.base
	if i >= len(m.weeks) {
		m.weeks = append(m.weeks, make([]weekAgg, i+1-len(m.weeks))...)
	}
	return &m.weeks[i]
}

// active says the manager was nudged or said something in the week.
func (a weekAgg) active() bool { return a.nudged || a.answered || a.checkins > 0 || a.minutes > 0 }

// at is week w's aggregate if anything happened in it (else a zero one).
func (m *managerAgg) at(w int) weekAgg {
	if i := w - m.base; i >= 0 && i < len(m.weeks) {
		return m.weeks[i]
	}
	return weekAgg{}
}

// set records what n says of the nudge now; its answer stays as replies
// left it.
func (e *seqEntry) set(n Nudge, day int) {
	e.checkin, e.sent, e.failed, e.expired, e.day = n.Kind == nudges.KindCheckIn, !n.Sent.IsZero(), n.Failed, n.Expired, int32(day)
	if e.sent {
		e.order = n.Sent.Unix()
	} else {
		e.order = int64(day)*86400 + 43200
	}
}

func (m *managerAgg) addReply(r Reply, week int) {
	m.replied = true
	w := m.week(week)
	w.minutes += r.Minutes
	switch r.Kind {
	case string(nudges.KindCheckIn):
		w.checkins++
		if r.Win != "" && r.Shared {
			m.wins = append(m.wins, winEntry{r.Learner, r.Win})
		}
	case string(nudges.KindPledge):
		if r.Kept != "" {
			m.pledges = append(m.pledges, pledgeEntry{r.At.Unix(), r.Kept})
		}
	}
	if answers(r.Kind) {
		w.answered = true
	}
	if r.Kind == "hold" && r.Hold != "" && r.At.Unix() >= m.holdAt {
		m.hold, m.holdAt = r.Hold, r.At.Unix()
	}
}

// answer marks nudge i answered by a reply of kind; it reports whether this
// was the nudge's first answer.
func (m *managerAgg) answer(i int32, kind string) bool {
	e := &m.seq[i]
	if e.answered || e.skipped {
		return false
	}
	if kind == "skip" {
		e.skipped = true
	} else {
		e.answered = true
	}
	return true
}

// ordered returns the manager's nudges in the range, oldest first.
func (m *managerAgg) ordered(from, to int) []seqEntry {
	s := make([]seqEntry, 0, len(m.seq))
	for _, e := range m.seq {
		if int(e.day) >= from && int(e.day) <= to {
			s = append(s, e)
		}
	}
	slices.SortStableFunc(s, func(a, b seqEntry) int { return cmp64(a.order, b.order) })
	return s
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// activeWeeks are the program weeks in which the manager was nudged or
// said something, in order. A week with neither — a holiday, a gap in the
// cadences — neither counts against the weekly target nor breaks a streak.
func (m *managerAgg) activeWeeks() []int {
	ws := make([]int, 0, len(m.weeks))
	for i, a := range m.weeks {
		if a.active() {
			ws = append(ws, m.base+i)
		}
	}
	return ws
}

// checkInStreak is how many active weeks in a row, up to the last one, had
// a check-in logged.
func (m *managerAgg) checkInStreak(ws []int) int {
	n := 0
	for i := len(ws) - 1; i >= 0 && m.at(ws[i]).checkins > 0; i-- {
		n++
	}
	return n
}

// pledgeFigures returns the kept rate (partly counts half), the current run
// of kept pledges, and how many of the last reviews in a row were broken.
func (m *managerAgg) pledgeFigures() (reviewed int, rate float64, streak, brokenRun int) {
	ps := slices.Clone(m.pledges)
	slices.SortStableFunc(ps, func(a, b pledgeEntry) int { return cmp64(a.at, b.at) })
	var score float64
	for _, p := range ps {
		switch p.kept {
		case "yes":
			score++
			streak++
			brokenRun = 0
		case "partly":
			score += 0.5
			streak, brokenRun = 0, 0
		default:
			streak = 0
			brokenRun++
		}
	}
	if len(ps) > 0 {
		rate = score / float64(len(ps))
	}
	return len(ps), rate, streak, brokenRun
}
