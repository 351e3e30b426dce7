package insight

import (
	"hash/maphash"
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
	// MinGroup is the fewest people an aggregate may cover before it is
	// shown to anyone but the team's own manager (default 5).
	MinGroup int
	// IgnoredLimit is how many delivered nudges in a row left unanswered
	// make a red flag (default 3).
	IgnoredLimit int
	// Holdouts maps a cadence id to its hold-out percentage; those cadences
	// are compared treated against held out.
	Holdouts map[string]float64
	// Nudges, when known, is about how many nudges will be added: the
	// index replies are joined through is sized once instead of growing.
	Nudges int
}

// Book accumulates facts. Adding is cheap and keeps running aggregates
// only, never the facts themselves, so it can be fed from a full scan or
// kept up to date as the store writes. Teams and learners may come in any
// order; a nudge must be added before the replies that name it (a store
// always has it first), or those replies count for the manager only.
type Book struct {
	p        Params
	managers []*managerAgg
	byID     map[string]int32
	teams    map[string]*teamAgg
	teamIDs  []string
	learners []Learner
	cadences map[cadenceKey]int32 // → index in cadList
	// cadList holds the cadences' aggregates. The nudge index refers to
	// them by number: an index of plain values is one the garbage
	// collector need not trace through.
	cadList []*cadenceAgg
	// nudges finds a nudge by a 64-bit hash of its id: a map of plain
	// numbers is cheaper to fill and invisible to the garbage collector,
	// and two of a million ids colliding (about one chance in 10^7) would
	// only lend one reply to another nudge's figures.
	nudges map[uint64]nudgeRef
	seed   maphash.Seed
	// Day numbers of the range and the launch, so placing a fact is
	// integer arithmetic.
	from, to, launch int
}

type cadenceKey struct{ cadence, script string }

// nudgeRef is what a reply needs of the nudge it answers.
type nudgeRef struct {
	cad     int32 // 1 + index in cadList; 0: none
	sent    int64 // unix seconds; 0 if not delivered
	seq     int32 // index in the manager's sequence
	manager int32
	root    bool // false for a reminder: answers count toward its root
}

// NewBook returns an empty Book read against p, with defaults filled in.
func NewBook(p Params) *Book {
	if p.MinGroup <= 0 {
		p.MinGroup = 5
	}
	if p.IgnoredLimit <= 0 {
		p.IgnoredLimit = 3
	}
	return &Book{p: p, byID: map[string]int32{}, teams: map[string]*teamAgg{},
		cadences: map[cadenceKey]int32{}, nudges: make(map[uint64]nudgeRef, p.Nudges), seed: maphash.MakeSeed(),
		from: dayNum(p.From), to: dayNum(p.To), launch: dayNum(p.Program.Launch)}
}

// Params returns the parameters the Book reads against, defaults filled in.
func (b *Book) Params() Params { return b.p }

// place returns d's program week, and whether d is in the range at all.
func (b *Book) place(d nudges.Date) (int, bool) {
	n := dayNum(d)
	return week(n, b.launch), n >= b.from && n <= b.to
}

func (b *Book) manager(id string) *managerAgg {
	_, m := b.managerAt(id)
	return m
}

// managerAt is manager with its index.
func (b *Book) managerAt(id string) (int32, *managerAgg) {
	if i, ok := b.byID[id]; ok {
		return i, b.managers[i]
	}
	m := &managerAgg{id: id, base: week(b.from, b.launch)}
	i := int32(len(b.managers))
	b.byID[id] = i
	b.managers = append(b.managers, m)
	return i, m
}

// AddTeam records a team and its manager, who takes part in the program
// whether or not anything was sent.
func (b *Book) AddTeam(t Team) {
	if _, ok := b.teams[t.ID]; !ok {
		b.teams[t.ID] = &teamAgg{Team: t}
		b.teamIDs = append(b.teamIDs, t.ID)
	}
	b.manager(t.Manager)
}

// AddLearner records a learner's module and first application.
func (b *Book) AddLearner(l Learner) { b.learners = append(b.learners, l) }

// AddNudge records a nudge as it stands (delivered, failed or expired).
func (b *Book) AddNudge(n Nudge) {
	w, in := b.place(n.Day)
	if !in || n.Kind == nudges.KindSummary || n.Kind == nudges.KindShoutOut || n.Kind == nudges.KindDigest {
		return
	}
	mi, m := b.managerAt(n.Manager)
	ref := nudgeRef{manager: mi, root: n.Parent == ""}
	if !n.Sent.IsZero() {
		ref.sent = n.Sent.Unix()
	}
	if !ref.root {
		// A reminder is answered for its root: point at the root's figures.
		if r, ok := b.nudges[b.key(n.Parent)]; ok {
			ref.cad, ref.seq = r.cad, r.seq
			b.nudges[b.key(n.ID)] = ref
		}
		return
	}
	k := cadenceKey{n.Cadence, n.Script}
	ci, ok := b.cadences[k]
	if !ok {
		ci = int32(len(b.cadList))
		b.cadences[k] = ci
		b.cadList = append(b.cadList, &cadenceAgg{key: k, kind: n.Kind, skips: map[string]int{}})
	}
	c := b.cadList[ci]
	ref.cad = ci + 1
	ref.seq = m.addNudge(n, w)
	if !n.Sent.IsZero() {
		c.delivered++
		c.sentDays = append(c.sentDays, sentDay{n.Day, ref.manager})
	}
	b.nudges[b.key(n.ID)] = ref
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
	w, in := b.place(r.Day)
	if !in {
		return
	}
	m := b.manager(r.Manager)
	m.addReply(r, w)
	if r.Nudge == "" {
		return
	}
	ref, ok := b.nudges[b.key(r.Nudge)]
	if !ok || ref.cad == 0 {
		return
	}
	c := b.cadList[ref.cad-1]
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
	if m.answer(ref.seq, r.Kind) {
		c.answered++
		if ref.sent > 0 && r.At.Unix() >= ref.sent {
			c.latency = append(c.latency, int32(r.At.Unix()-ref.sent))
		}
	}
}
