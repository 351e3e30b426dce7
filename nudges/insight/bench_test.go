package insight_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// bigBook streams the benchmark's data set into a Book, as a store scan
// would: 10,000 teams of 8 learners, 20 weeks of a weekly check-in and a
// weekly pledge nudge (400,000 nudges), and 100 logs per manager
// (1,000,000 logs: check-ins, pledge reviews, ratings, skips). The facts
// are made as they are added, so memory is the Book's, not the data set's.
func bigBook(ids *bigIDs) *insight.Book { return bigBooks(ids, launch.AddDays(20*7-1))[0] }

// books feeds every fact to several Books, as one scan of the data file
// feeds this week's and last week's for the digest.
type books []*insight.Book

func (bs books) AddTeam(t insight.Team) {
	for _, b := range bs {
		b.AddTeam(t)
	}
}

func (bs books) AddLearner(l insight.Learner) {
	for _, b := range bs {
		b.AddLearner(l)
	}
}

func (bs books) AddNudge(n insight.Nudge) {
	for _, b := range bs {
		b.AddNudge(n)
	}
}

func (bs books) AddReply(r insight.Reply) {
	for _, b := range bs {
		b.AddReply(r)
	}
}

// bigBooks is bigBook read up to each day of tos.
func bigBooks(ids *bigIDs, tos ...nudges.Date) books {
	teams := len(ids.managers)
	var b books
	for _, to := range tos {
		p := params
		p.To = to
		p.Holdouts = map[string]float64{"pledge": 10}
		b = append(b, insight.NewBook(p))
	}
	reasons := []string{"no time", "holiday", "team offsite"}
	for i := range teams {
		m, t := ids.managers[i], ids.teams[i]
		b.AddTeam(insight.Team{ID: t, Name: t, Manager: m})
		for j := range 8 {
			l := insight.Learner{ID: ids.learners[i*8+j], Team: t, Module: launch.AddDays(7 * (j % 4))}
			if (i+j)%3 != 0 {
				l.Applied = l.Module.AddDays((i + j) % 20)
			}
			b.AddLearner(l)
		}
		logs := 0
		for w := 1; w <= 20; w++ {
			sentAt, d := ids.times[w-1], ids.days[w-1]
			ck, pl := ids.nudges[(i*20+w-1)*2], ids.nudges[(i*20+w-1)*2+1]
			b.AddNudge(insight.Nudge{ID: ck, Manager: m, Cadence: "weekly", Script: "five", Kind: nudges.KindCheckIn, Day: d, Sent: sentAt, Expired: (i+w)%7 == 0})
			b.AddNudge(insight.Nudge{ID: pl, Manager: m, Cadence: "pledge", Kind: nudges.KindPledge, Day: d, Sent: sentAt, Failed: (i+w)%50 == 0})
			for k := 0; k < 5 && logs < 100; k, logs = k+1, logs+1 {
				r := insight.Reply{Manager: m, Day: d, At: sentAt.Add(hours[k])}
				switch k {
				case 0:
					r.Nudge, r.Kind, r.Minutes, r.Learner = ck, "checkin", 15, ids.learners[i*8+w%8]
				case 1:
					r.Nudge, r.Kind, r.Kept = pl, "pledge", []string{"yes", "partly", "no"}[(i+w)%3]
				case 2:
					r.Nudge, r.Kind, r.Rating = ck, "rating", []string{nudges.ActUseful, nudges.ActNotUseful}[(i*w)%2]
				case 3:
					r.Nudge, r.Kind, r.Reason = pl, "skip", reasons[(i+w)%3]
				default:
					r.Kind, r.Minutes, r.Learner = "checkin", 10, ids.learners[i*8+(w+1)%8]
				}
				b.AddReply(r)
			}
		}
	}
	return b
}

// bigIDs are the data set's ids, made once: the benchmark measures the
// Book, not fmt.
type bigIDs struct {
	managers, teams, learners, nudges []string
	times                             []time.Time
	days                              []nudges.Date
}

var hours = []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 5 * time.Hour}

func newBigIDs(teams int) *bigIDs {
	ids := &bigIDs{}
	for w := 1; w <= 20; w++ {
		ids.times = append(ids.times, at(w, 0, 9))
		ids.days = append(ids.days, nudges.DateOf(at(w, 0, 9)))
	}
	for i := range teams {
		m, t := fmt.Sprintf("m%05d", i), fmt.Sprintf("t%05d", i)
		ids.managers, ids.teams = append(ids.managers, m), append(ids.teams, t)
		for j := range 8 {
			ids.learners = append(ids.learners, fmt.Sprintf("%s-%d", t, j))
		}
		for w := 1; w <= 20; w++ {
			ids.nudges = append(ids.nudges, fmt.Sprintf("%s-c%d", m, w), fmt.Sprintf("%s-p%d", m, w))
		}
	}
	return ids
}

// BenchmarkInsights_10kTeams_1MLogs: the whole report for 10,000 teams over
// 1,000,000 logs, adding every fact included (target: 1 s, 300 MB peak RSS).
func BenchmarkInsights_10kTeams_1MLogs(b *testing.B) {
	ids := newBigIDs(10_000)
	start := usage()
	for b.Loop() {
		r := bigBook(ids).Report()
		if r.Reach.Managers != 10_000 || r.Reach.Delivered == 0 {
			b.Fatalf("reach = %+v", r.Reach)
		}
	}
	reportUsage(b, start)
}

// BenchmarkDigest_10kTeams_1MLogs: the weekly digest for the same data set:
// this week's report and last week's, fed from one pass, and the message
// (target: 2 s).
func BenchmarkDigest_10kTeams_1MLogs(b *testing.B) {
	ids := newBigIDs(10_000)
	start := usage()
	for b.Loop() {
		bs := bigBooks(ids, launch.AddDays(20*7-1), launch.AddDays(20*7-8))
		now, last := bs[0].Report(), bs[1].Report().For(insight.LnD())
		m, err := insight.Digest(program, now.To, now.For(insight.LnD()), &last, func(id string) string { return id })
		if err != nil || len(m.Lines) < 5 {
			b.Fatalf("digest %v: %+v", err, m)
		}
	}
	reportUsage(b, start)
}

// BenchmarkLiveReport_10kTeams_1MLogs: the report of a Book kept up to
// date, after each of 100 new coaching logs and 20 nudges delivered, on the
// same data set: what a dashboard pays per view while the bot writes.
func BenchmarkLiveReport_10kTeams_1MLogs(b *testing.B) {
	ids := newBigIDs(10_000)
	bk := bigBook(ids)
	bk.Report()
	at := at(20, 6, 20)
	n := 0
	for b.Loop() {
		for k := range 100 {
			i := (n*100 + k) * 7919 % len(ids.managers)
			bk.AddReply(insight.Reply{Manager: ids.managers[i], Nudge: ids.nudges[(i*20+19)*2], Kind: "checkin", Minutes: 5,
				Day: nudges.DateOf(at), At: at})
		}
		for k := range 20 {
			i := (n*20 + k) * 104729 % len(ids.managers)
			bk.AddNudge(insight.Nudge{ID: fmt.Sprint("extra-", n, "-", k), Manager: ids.managers[i], Cadence: "weekly", Script: "five",
				Kind: nudges.KindCheckIn, Day: nudges.DateOf(at), Sent: at})
		}
		n++
		if r := bk.Report(); r.Reach.Managers != len(ids.managers) {
			b.Fatalf("reach = %+v", r.Reach)
		}
	}
}
