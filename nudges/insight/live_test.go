package insight_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// rollout simulates a program day by day as a store would see it: nudges
// queued, then delivered or failed, answered, reminded, expired; learners
// finishing their module and applying it; replies from managers whose
// local date is already tomorrow. Each fact is handed to the live Book as
// it happens, and the rollout keeps each fact as it last stood, for a
// count from scratch.
type rollout struct {
	rng      *rand.Rand
	live     *insight.Book
	teams    []insight.Team
	learners map[string]insight.Learner
	lorder   []string
	nudges   map[string]insight.Nudge
	norder   []string
	replies  []insight.Reply
	open     []string // delivered root nudges not yet answered or closed
	seq      int
}

func (s *rollout) nudge(n insight.Nudge) {
	if _, ok := s.nudges[n.ID]; !ok {
		s.norder = append(s.norder, n.ID)
	}
	s.nudges[n.ID] = n
	s.live.AddNudge(n)
}

func (s *rollout) learner(l insight.Learner) {
	if _, ok := s.learners[l.ID]; !ok {
		s.lorder = append(s.lorder, l.ID)
	}
	s.learners[l.ID] = l
	s.live.AddLearner(l)
}

func (s *rollout) reply(r insight.Reply) {
	s.replies = append(s.replies, r)
	s.live.AddReply(r)
}

// scan counts everything from scratch over [From, to], in a store's order.
func (s *rollout) scan(p insight.Params, to nudges.Date) insight.Report {
	p.To, p.Grows = to, false
	b := insight.NewBook(p)
	for _, id := range s.norder {
		b.AddNudge(s.nudges[id])
	}
	for _, r := range s.replies {
		b.AddReply(r)
	}
	for _, t := range s.teams {
		b.AddTeam(t)
	}
	for _, id := range s.lorder {
		b.AddLearner(s.learners[id])
	}
	return b.Report()
}

// day plays one day of the rollout.
func (s *rollout) day(d nudges.Date, check func(phase string)) {
	r := s.rng
	noon := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	kinds := []nudges.Kind{nudges.KindCheckIn, nudges.KindCheckIn, nudges.KindPledge, nudges.KindAssignment}
	for m := range 30 {
		mgr := fmt.Sprintf("m%02d", m)
		if r.IntN(3) == 0 {
			s.seq++
			id := fmt.Sprint("n", s.seq)
			cad := []string{"weekly", "pledges", "nudge"}[r.IntN(3)]
			n := insight.Nudge{ID: id, Manager: mgr, Cadence: cad, Script: cad + "-s", Kind: kinds[r.IntN(len(kinds))], Day: d}
			if m >= 28 {
				// Managers far to the east: their nudges are dated tomorrow.
				n.Day = d.AddDays(1)
			}
			s.nudge(n)
			switch r.IntN(10) {
			case 0:
				n.Failed = true
			case 1: // still pending at the end of the day
			default:
				n.Sent = noon.Add(time.Duration(r.IntN(300)) * time.Minute)
				s.open = append(s.open, id)
			}
			s.nudge(n)
		}
	}
	check("deliveries")
	// Answers, reminders and expiries of what is open.
	var still []string
	for _, id := range s.open {
		n := s.nudges[id]
		at := noon.Add(time.Duration(300+r.IntN(600)) * time.Minute)
		rd := nudges.DateOf(at)
		if n.Manager < "m05" || n.Manager >= "m28" {
			rd = d.AddDays(1) // a manager far to the east: tomorrow already
		}
		base := insight.Reply{Manager: n.Manager, Nudge: id, Day: rd, At: at}
		switch r.IntN(8) {
		case 0, 1:
			x := base
			x.Kind, x.Minutes = string(nudges.KindCheckIn), 5+r.IntN(40)
			if r.IntN(4) == 0 {
				x.Learner, x.Win, x.Shared = fmt.Sprintf("t%02d-l%d", r.IntN(20), r.IntN(6)), "a win", true
			}
			s.reply(x)
		case 2:
			x := base
			x.Kind, x.Kept = string(nudges.KindPledge), []string{"yes", "partly", "no"}[r.IntN(3)]
			s.reply(x)
		case 3:
			x := base
			x.Kind, x.Reason = "skip", []string{"holiday", "busy"}[r.IntN(2)]
			s.reply(x)
		case 4:
			x := base
			x.Kind, x.Rating = "rating", []string{nudges.ActUseful, nudges.ActNotUseful}[r.IntN(2)]
			s.reply(x)
			still = append(still, id)
		case 5:
			s.seq++
			rem := insight.Nudge{ID: fmt.Sprint("n", s.seq), Parent: id, Manager: n.Manager, Cadence: n.Cadence, Kind: n.Kind, Day: d, Sent: at}
			s.nudge(rem)
			still = append(still, id)
		case 6:
			n.Expired = true
			s.nudge(n)
			x := base
			x.Kind = "expired"
			s.reply(x)
		default:
			still = append(still, id)
		}
	}
	s.open = still
	check("answers")
	// Learners finish their module and apply it.
	for t := range 20 {
		for l := range 6 {
			id := fmt.Sprintf("t%02d-l%d", t, l)
			x := s.learners[id]
			switch {
			case x.Module.IsZero() && r.IntN(12) == 0:
				x.Module = d
				s.learner(x)
			case !x.Module.IsZero() && x.Applied.IsZero() && r.IntN(8) == 0:
				x.Applied = d
				s.learner(x)
			}
		}
	}
	check("learners")
	// Now and then, a manager says they will hold their nudges.
	if r.IntN(5) == 0 {
		s.reply(insight.Reply{Manager: fmt.Sprintf("m%02d", r.IntN(30)), Kind: "hold", Hold: nudges.HoldPause, Day: d, At: noon})
	}
}

// A Book kept up to date fact by fact, as they happen and change, and
// moved to each new day, reports exactly what a count from scratch of the
// facts as they now stand reports — every figure, flag and spot, every day.
func TestLiveBook_MatchesACountFromScratch(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			p := params
			p.Holdouts = map[string]float64{"weekly": 30}
			p.To, p.Grows = launch, true
			s := &rollout{rng: rand.New(rand.NewPCG(seed, 7)), live: insight.NewBook(p),
				learners: map[string]insight.Learner{}, nudges: map[string]insight.Nudge{}}
			for i := range 20 {
				// Two of the managers lead two teams, and six none.
				tm := insight.Team{ID: fmt.Sprintf("t%02d", i), Name: fmt.Sprint("Team ", i), Manager: fmt.Sprintf("m%02d", i%18)}
				s.teams = append(s.teams, tm)
				s.live.AddTeam(tm)
				for l := range 6 {
					s.learner(insight.Learner{ID: fmt.Sprintf("t%02d-l%d", i, l), Team: tm.ID})
				}
			}
			for d := launch; d.Before(launch.AddDays(49)); d = d.AddDays(1) {
				if !s.live.SetTo(d) {
					t.Fatalf("SetTo(%s) refused", d)
				}
				check := func(phase string) {
					got, want := s.live.Report(), s.scan(p, d)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("on %s after the %s the live figures differ from a count from scratch:\n%s", d, phase, diff(got, want))
					}
				}
				s.day(d, check)
				check("day")
			}
			if s.live.SetTo(launch) {
				t.Error("a Book moved back in time: it must be counted afresh instead")
			}
		})
	}
}

// diff names the parts of two reports that differ.
func diff(a, b insight.Report) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	out := ""
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out += fmt.Sprintf("%s:\n  live %+v\n  scan %+v\n", va.Type().Field(i).Name, va.Field(i).Interface(), vb.Field(i).Interface())
		}
	}
	return out
}
