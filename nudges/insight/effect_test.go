package insight_test

import (
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n      int
		low, high float64
	}{
		{8, 10, 0.4902, 0.9433}, // textbook values
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{1, 1, 0.2065, 1},
		{0, 0, 0, 0}, // no ratings: no interval
	} {
		got := insight.Wilson(tc.k, tc.n)
		if !near(got.Low, tc.low) || !near(got.High, tc.high) {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tc.k, tc.n, got.Low, got.High, tc.low, tc.high)
		}
	}
}

func TestEffect(t *testing.T) {
	ck := nudges.KindCheckIn
	f := facts{teams: []insight.Team{team("t", "ana"), team("u", "ben")}}
	// Five check-in nudges to ana and five to ben, weeks 1–5, script
	// "five"; ana rates 4 useful, ben 1 useful and 2 not useful.
	for w := 1; w <= 5; w++ {
		for _, m := range []string{"ana", "ben"} {
			n := sent(m+string(rune('0'+w)), m, "weekly", ck, w)
			n.Script = "five"
			f.nudges = append(f.nudges, n)
		}
	}
	// A reminder of ana's week-1 nudge: answering it answers the nudge.
	f.nudges = append(f.nudges, insight.Nudge{ID: "ana1-r", Parent: "ana1", Manager: "ana", Cadence: "weekly", Kind: ck,
		Day: day("2026-09-08"), Sent: at(1, 1, 9)})
	rate := func(m, n, how string) insight.Reply {
		r := reply(m, n, "rating", 1, 1)
		r.Rating = how
		return r
	}
	skip := func(m, n string, w int, why string) insight.Reply {
		r := reply(m, n, "skip", w, 1)
		r.Reason = why
		return r
	}
	f.replies = []insight.Reply{
		checkin("ana", "ana1-r", 1, 10), checkin("ana", "ana2", 2, 10), checkin("ana", "ana3", 3, 10),
		skip("ana", "ana4", 4, "no time"),
		skip("ben", "ben1", 1, "holiday"), skip("ben", "ben2", 2, "no time"), skip("ben", "ben3", 3, "no time"),
		rate("ana", "ana1", nudges.ActUseful), rate("ana", "ana2", nudges.ActUseful), rate("ana", "ana3", nudges.ActUseful),
		rate("ana", "ana4", nudges.ActUseful), rate("ben", "ben1", nudges.ActUseful),
		rate("ben", "ben2", nudges.ActNotUseful), rate("ben", "ben3", nudges.ActNotUseful),
	}
	// ana's learner applied on the Wednesday of week 3: within two weeks
	// of ana's nudges of weeks 2 and 3 (the week-1 one is 16 days before).
	f.learners = []insight.Learner{{ID: "l1", Team: "t", Module: launch, Applied: day("2026-09-23")}}

	r := f.report(t, params)
	if len(r.Cadences) != 1 {
		t.Fatalf("cadences = %+v, want one", r.Cadences)
	}
	e := r.Cadences[0]
	if e.Cadence != "weekly" || e.Script != "five" || e.Delivered != 10 || e.Answered != 7 || !near(e.AnswerRate, 0.7) {
		t.Errorf("effect = %+v, want 7 of 10 answered", e)
	}
	if e.Useful != 5 || e.NotUseful != 2 || !near(e.UsefulShare.Value, 5.0/7) || e.UsefulShare != insight.Wilson(5, 7) {
		t.Errorf("useful = %d/%d %+v, want 5 of 7 with its Wilson interval", e.Useful, e.NotUseful, e.UsefulShare)
	}
	want := []insight.Count{{Label: "no time", N: 3}, {Label: "holiday", N: 1}}
	if len(e.Skips) != 2 || e.Skips[0] != want[0] || e.Skips[1] != want[1] {
		t.Errorf("skip reasons = %+v, want %+v", e.Skips, want)
	}
	if !near(e.FollowedBy, 2.0/10) {
		t.Errorf("followed by a first application = %.2f, want 0.2 (ana's weeks 2 and 3)", e.FollowedBy)
	}
}
