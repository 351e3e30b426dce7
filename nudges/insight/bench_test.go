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
func bigBook(ids *bigIDs) *insight.Book {
	teams := len(ids.managers)
	p := params
	p.To = launch.AddDays(20*7 - 1)
	p.Holdouts = map[string]float64{"pledge": 10}
	p.Nudges = len(ids.nudges)
	b := insight.NewBook(p)
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
			sentAt := at(w, 0, 9)
			d := nudges.DateOf(sentAt)
			ck, pl := ids.nudges[(i*20+w-1)*2], ids.nudges[(i*20+w-1)*2+1]
			b.AddNudge(insight.Nudge{ID: ck, Manager: m, Cadence: "weekly", Script: "five", Kind: nudges.KindCheckIn, Day: d, Sent: sentAt, Expired: (i+w)%7 == 0})
			b.AddNudge(insight.Nudge{ID: pl, Manager: m, Cadence: "pledge", Kind: nudges.KindPledge, Day: d, Sent: sentAt, Failed: (i+w)%50 == 0})
			for k := 0; k < 5 && logs < 100; k, logs = k+1, logs+1 {
				r := insight.Reply{Manager: m, Day: d, At: sentAt.Add(time.Duration(k+1) * time.Hour)}
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
type bigIDs struct{ managers, teams, learners, nudges []string }

func newBigIDs(teams int) *bigIDs {
	ids := &bigIDs{}
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
	for b.Loop() {
		r := bigBook(ids).Report()
		if r.Reach.Managers != 10_000 || r.Reach.Delivered == 0 {
			b.Fatalf("reach = %+v", r.Reach)
		}
	}
	reportPeakRSS(b)
}
