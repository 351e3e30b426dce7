package insight

import (
	"hash/maphash"
	"slices"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Nudge is a nudge as the figures see it: one delivery to one manager.
// Summaries and shout-outs are not nudges here; reminders and snoozes
// (Parent set) count toward the nudge they repeat.
type Nudge struct {
	ID, Manager, Cadence, Script, Parent string
	Kind                                 nudges.Kind
	Day                                  nudges.Date // the manager's local date it went out (or failed)
	Sent                                 time.Time   // when it was delivered; zero if it was not
	Failed                               bool        // delivery failed for good
	Expired                              bool        // closed by the bot, unanswered
}

// Reply is a coaching log: what a manager said, about which nudge.
type Reply struct {
	Manager, Nudge, Kind, Learner string
	Day                           nudges.Date // the manager's local date
	At                            time.Time
	Minutes                       int
	Kept                          string // a pledge review: yes, partly or no
	Rating                        string // nudges.ActUseful or nudges.ActNotUseful
	Reason                        string // a skip's reason
	Win                           string
	Shared                        bool   // the manager agreed to share the win
	Hold                          string // nudges held: asked, or the manager's keep, pause or stop
}

// Learner is one learner's progress: when they finished the module the
// program asks them to apply, and when they were first seen applying it.
// A learner who joined mid-program simply has a later Module.
type Learner struct {
	ID, Team string
	Module   nudges.Date // zero: not finished yet
	Applied  nudges.Date // zero: no application recorded
}

// Team is a manager's team.
type Team struct {
	ID, Name, Manager string
}

// Params are what a Book is read against.
type Params struct {
	Program  *nudges.Program
	Targets  nudges.Targets
	From, To nudges.Date // inclusive; facts outside are ignored
	// Grows says To will move forward (see SetTo), as it does for a Book
	// kept from launch to today: replies dated after To are then kept for
	// the day they fall in, not dropped.
	Grows bool
	// MinGroup is the fewest people an aggregate may cover before it is
	// shown to anyone but the team's own manager (default 5).
	MinGroup int
	// IgnoredLimit is how many delivered nudges in a row left unanswered
	// make a red flag (default 3).
	IgnoredLimit int
	// Holdouts maps a cadence id to its hold-out percentage; those cadences
	// are compared treated against held out.
	Holdouts map[string]float64
}

// Book accumulates facts. It keeps running aggregates only, never the
// facts themselves, so it can be fed from a full scan or kept up to date
// as the store writes: a fact may be given again as it changes (a nudge
// delivered, then expired; a learner who applied), and a report after a
// few changes recomputes only the managers and teams they touched. Teams
// and learners may come in any order; a nudge must be added before the
// replies that name it (a store always has it first), or those replies
// count for the manager only.
//
// A Book is not safe for concurrent use.
type Book struct {
	p        Params
	managers []*managerAgg
	byID     map[string]int32
	teams    map[string]*teamAgg
	teamIDs  []string
	led      map[string][]string // manager id → the teams they lead
	learners []Learner
	learnerX map[string]int32     // learner id → index in learners
	members  map[string][]int32   // team id → its learners, by index
	cadences map[cadenceKey]int32 // → index in cadList
	// cadList holds the cadences' aggregates. The nudge index refers to
	// them by number: an index of plain values is one the garbage
	// collector need not trace through.
	cadList []*cadenceAgg
	// seed hashes nudge ids: a manager's nudges are found by a 64-bit
	// hash of their id among that manager's own, with no index of every
	// nudge (a million of them would cost more than all the figures), and
	// two of one manager's ids colliding would only lend one reply to
	// another nudge's figures.
	seed maphash.Seed
	// Day numbers of the range and the launch, so placing a fact is
	// integer arithmetic.
	from, to, launch int
	// later holds replies dated after To, for a Book that grows.
	later []Reply
	// holds are the cadences with a hold-out, in order.
	holds []string

	// What the next report must recompute: managers and teams a fact
	// touched since the last, or all of them.
	dirtyM     map[int32]struct{}
	dirtyT     map[string]struct{}
	allDirty   bool
	orderDirty bool
	order      []int32 // managers by id
}

type cadenceKey struct{ cadence, script string }

// NewBook returns an empty Book read against p, with defaults filled in.
func NewBook(p Params) *Book {
	if p.MinGroup <= 0 {
		p.MinGroup = 5
	}
	if p.IgnoredLimit <= 0 {
		p.IgnoredLimit = 3
	}
	b := &Book{p: p, byID: map[string]int32{}, teams: map[string]*teamAgg{}, learnerX: map[string]int32{},
		members: map[string][]int32{}, led: map[string][]string{}, cadences: map[cadenceKey]int32{},
		seed: maphash.MakeSeed(), from: dayNum(p.From), to: dayNum(p.To), launch: dayNum(p.Program.Launch),
		dirtyM: map[int32]struct{}{}, dirtyT: map[string]struct{}{}}
	for cad, pct := range p.Holdouts {
		if pct > 0 {
			b.holds = append(b.holds, cad)
		}
	}
	slices.Sort(b.holds)
	return b
}

// Params returns the parameters the Book reads against, defaults filled in.
func (b *Book) Params() Params { return b.p }

// SetTo moves the end of the range forward to d (a new day for a Book
// kept to today): the replies kept for it are added, and the next report
// recomputes everything that depends on the date. It reports false, and
// changes nothing, when d is before To or the Book does not grow: count
// afresh then.
func (b *Book) SetTo(d nudges.Date) bool {
	n := dayNum(d)
	if !b.p.Grows || n < b.to {
		return false
	}
	if n == b.to {
		return true
	}
	b.p.To, b.to, b.allDirty = d, n, true
	kept := b.later
	b.later = nil
	for _, r := range kept {
		b.AddReply(r)
	}
	return true
}

func (b *Book) manager(id string) *managerAgg {
	_, m := b.managerAt(id)
	return m
}

// managerAt is manager with its index, marked for the next report.
func (b *Book) managerAt(id string) (int32, *managerAgg) {
	i, ok := b.byID[id]
	if !ok {
		m := &managerAgg{id: id, base: week(b.from, b.launch)}
		for i, cad := range b.holds[:min(64, len(b.holds))] {
			if nudges.HeldOut(b.p.Program.ID, cad, id, b.p.Holdouts[cad]) {
				m.heldOut |= 1 << i
			}
		}
		i = int32(len(b.managers))
		b.byID[id] = i
		b.managers = append(b.managers, m)
		b.orderDirty = true
	}
	b.dirtyM[i] = struct{}{}
	return i, b.managers[i]
}

// AddTeam records a team and its manager, who takes part in the program
// whether or not anything was sent.
func (b *Book) AddTeam(t Team) {
	if old, ok := b.teams[t.ID]; ok {
		if old.Team == t {
			return
		}
		b.manager(old.Manager)
		b.led[old.Manager] = slices.DeleteFunc(b.led[old.Manager], func(id string) bool { return id == t.ID })
		old.Team = t
	} else {
		b.teams[t.ID] = &teamAgg{Team: t}
		b.teamIDs = append(b.teamIDs, t.ID)
	}
	b.led[t.Manager] = append(b.led[t.Manager], t.ID)
	b.dirtyT[t.ID] = struct{}{}
	b.manager(t.Manager)
}

// AddLearner records a learner's module and first application, or
// replaces what was recorded of them.
func (b *Book) AddLearner(l Learner) {
	i, ok := b.learnerX[l.ID]
	if ok {
		old := b.learners[i]
		if old == l {
			return
		}
		b.touchTeam(old.Team)
		if old.Team != l.Team {
			b.members[old.Team] = slices.DeleteFunc(b.members[old.Team], func(j int32) bool { return j == i })
			b.members[l.Team] = append(b.members[l.Team], i)
		}
		b.learners[i] = l
	} else {
		i = int32(len(b.learners))
		b.learnerX[l.ID] = i
		b.learners = append(b.learners, l)
		b.members[l.Team] = append(b.members[l.Team], i)
	}
	b.touchTeam(l.Team)
}

// touchTeam marks a team and its manager for the next report: a learner's
// progress moves the team's share and what followed the manager's nudges.
func (b *Book) touchTeam(id string) {
	b.dirtyT[id] = struct{}{}
	if t := b.teams[id]; t != nil {
		b.manager(t.Manager)
	}
}

// AddNudge records a nudge as it stands (delivered, failed or expired), or
// what changed of one already recorded.
func (b *Book) AddNudge(n Nudge) {
	if n.Kind == nudges.KindSummary || n.Kind == nudges.KindShoutOut || n.Kind == nudges.KindDigest {
		return
	}
	day := dayNum(n.Day)
	k := b.key(n.ID)
	if i, ok := b.byID[n.Manager]; ok {
		m := b.managers[i]
		if root, rem, ok := m.lookup(k); ok {
			if rem < 0 {
				m.seq[root].set(n, day)
				b.dirtyM[i] = struct{}{}
			} else {
				m.reminders[rem].sent = unixOf(n)
			}
			return
		}
	}
	if day < b.from || day > b.to && !b.p.Grows {
		return
	}
	if n.Parent != "" {
		// A reminder is answered for its root: point at the root's figures.
		if i, ok := b.byID[n.Manager]; ok {
			m := b.managers[i]
			if root, _, ok := m.lookup(b.key(n.Parent)); ok {
				m.reminders = append(m.reminders, reminder{id: k, sent: unixOf(n), root: root})
			}
		}
		return
	}
	_, m := b.managerAt(n.Manager)
	ck := cadenceKey{n.Cadence, n.Script}
	ci, ok := b.cadences[ck]
	if !ok {
		ci = int32(len(b.cadList))
		b.cadences[ck] = ci
		b.cadList = append(b.cadList, &cadenceAgg{key: ck, kind: n.Kind, skips: map[string]int{}})
	}
	e := seqEntry{id: k, cad: ci + 1}
	e.set(n, day)
	m.seq = append(m.seq, e)
}

// heldOut says whether manager m is held out of the cadence b.holds[h].
func (b *Book) heldOut(m *managerAgg, h int) bool {
	if h < 64 {
		return m.heldOut&(1<<h) != 0
	}
	cad := b.holds[h]
	return nudges.HeldOut(b.p.Program.ID, cad, m.id, b.p.Holdouts[cad])
}

func (b *Book) key(id string) uint64 { return maphash.String(b.seed, id) }

// answers reports whether a log of kind answers the nudge it names: a
// rating or a note comes beside an answer, and "expired" is the bot closing
// a nudge nobody answered.
func answers(kind string) bool {
	return kind != "rating" && kind != "note" && kind != "expired" && kind != "hold"
}

// AddReply records a coaching log.
func (b *Book) AddReply(r Reply) {
	day := dayNum(r.Day)
	if day > b.to && b.p.Grows {
		b.later = append(b.later, r)
		return
	}
	if day < b.from || day > b.to {
		return
	}
	m := b.manager(r.Manager)
	m.addReply(r, week(day, b.launch))
	if r.Nudge == "" {
		return
	}
	// A reply names a nudge of the manager's own: another's is not theirs
	// to answer, and counts for the manager only.
	root, rem, ok := m.lookup(b.key(r.Nudge))
	if !ok {
		return
	}
	e := &m.seq[root]
	c := b.cadList[e.cad-1]
	var sent int64
	switch {
	case rem >= 0:
		sent = m.reminders[rem].sent
	case e.sent:
		sent = e.order
	}
	if r.Kind == "rating" {
		switch r.Rating {
		case nudges.ActUseful:
			c.useful++
		case nudges.ActNotUseful:
			c.notUseful++
		}
		return
	}
	if !answers(r.Kind) {
		return
	}
	if r.Kind == "skip" && r.Reason != "" {
		c.skips[r.Reason]++
	}
	// The first answer to a nudge settles it; later ones (a snooze, then the
	// log) change neither the answer rate nor the time to answer.
	if m.answer(root, r.Kind) {
		c.answered++
		if sent > 0 && r.At.Unix() >= sent {
			c.latency = append(c.latency, int32(r.At.Unix()-sent))
		}
	}
}
