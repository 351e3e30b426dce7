package insight_test

import (
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

func TestFlags(t *testing.T) {
	ck, pl := nudges.KindCheckIn, nudges.KindPledge
	for _, tc := range []struct {
		name  string
		f     facts
		p     func(*insight.Params)
		flags []insight.Flag
	}{
		{"two check-ins missed in a row", facts{nudges: []insight.Nudge{
			sent("n1", "ana", "weekly", ck, 1), expired(sent("n2", "ana", "weekly", ck, 2)), sent("n3", "ana", "weekly", ck, 3)},
			replies: []insight.Reply{checkin("ana", "n1", 1, 10)}},
			nil, []insight.Flag{{Kind: insight.FlagMissedCheckIns, Manager: "ana", N: 2}}},
		{"a skipped check-in (holiday) is not missed", facts{nudges: []insight.Nudge{
			sent("n2", "ana", "weekly", ck, 2), sent("n3", "ana", "weekly", ck, 3)},
			replies: []insight.Reply{reply("ana", "n2", "skip", 2, 1)}},
			nil, nil},
		{"the last check-in, sent less than a week before To, is not missed yet", facts{nudges: []insight.Nudge{
			expired(sent("n5", "ana", "weekly", ck, 5)), sent("n6", "ana", "weekly", ck, 6)}},
			nil, nil},
		{"nudges ignored in a row", facts{nudges: []insight.Nudge{
			sent("p1", "ana", "pledge", pl, 1), sent("n2", "ana", "weekly", ck, 2), sent("p3", "ana", "pledge", pl, 3),
			sent("n4", "ana", "weekly", ck, 4)}},
			nil, []insight.Flag{{Kind: insight.FlagMissedCheckIns, Manager: "ana", N: 2}, {Kind: insight.FlagIgnoring, Manager: "ana", N: 4}}},
		{"ignored below the limit", facts{nudges: []insight.Nudge{
			sent("p1", "ana", "pledge", pl, 1), sent("n2", "ana", "weekly", ck, 2)}},
			func(p *insight.Params) { p.IgnoredLimit = 3 },
			[]insight.Flag{}},
		{"deliveries failing", facts{nudges: []insight.Nudge{
			sent("n1", "ana", "weekly", ck, 1), failed("n2", "ana", 2), failed("n3", "ana", 3)},
			replies: []insight.Reply{checkin("ana", "n1", 1, 10)}},
			nil, []insight.Flag{{Kind: insight.FlagUnreachable, Manager: "ana", N: 2}}},
		{"one failure, then delivered again", facts{nudges: []insight.Nudge{
			failed("n2", "ana", 2), failed("n3", "ana", 3), sent("n4", "ana", "weekly", ck, 4)},
			replies: []insight.Reply{checkin("ana", "n4", 4, 10)}},
			nil, nil},
		{"a team without a first application two weeks after its module", facts{
			learners: learners("t", 5, day("2026-09-21"), 0, 0)},
			nil, []insight.Flag{{Kind: insight.FlagNoApplication, Manager: "ana", Team: "t", N: 5}}},
		{"a team whose module is under two weeks old is not flagged", facts{
			learners: learners("t", 5, day("2026-10-10"), 0, 0)},
			nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.teams = []insight.Team{team("t", "ana")}
			p := params
			if tc.p != nil {
				tc.p(&p)
			}
			got := tc.f.report(t, p).Flags
			if len(got) != len(tc.flags) {
				t.Fatalf("flags = %+v, want %+v", got, tc.flags)
			}
			for i := range got {
				if got[i] != tc.flags[i] {
					t.Errorf("flag %d = %+v, want %+v", i, got[i], tc.flags[i])
				}
			}
		})
	}
}

func TestSpots(t *testing.T) {
	ck := nudges.KindCheckIn
	var f facts
	f.teams = []insight.Team{team("up", "ana"), team("flat", "ben"), team("small", "cy")}
	// ana: check-ins in weeks 1, 2, 4 and 5; week 3 on holiday (nothing
	// sent): four weeks in a row all the same.
	for _, w := range []int{1, 2, 4, 5} {
		id := "a" + string(rune('0'+w))
		f.nudges = append(f.nudges, sent(id, "ana", "weekly", ck, w))
		f.replies = append(f.replies, checkin("ana", id, w, 10))
	}
	// ben: three weeks, then a week without a check-in.
	for _, w := range []int{1, 2, 3, 4} {
		id := "b" + string(rune('0'+w))
		f.nudges = append(f.nudges, sent(id, "ben", "weekly", ck, w))
		if w < 4 {
			f.replies = append(f.replies, checkin("ben", id, w, 10))
		}
	}
	win := checkin("ben", "b1", 1, 5)
	win.Learner, win.Win, win.Shared = "flat-la", "ran the retro", true
	private := checkin("ben", "b2", 2, 5)
	private.Learner, private.Win = "flat-lb", "kept to herself"
	f.replies = append(f.replies, win, private)
	// Team up: 6 learners, module 21 Sept, 2 applied; 2 more finished
	// it on 1 Oct and applied on 13 Oct: from 2 of 6 a week ago to 4 of 8.
	f.learners = append(f.learners, learners("up", 6, day("2026-09-21"), 2, 3)...)
	for i := 2; i < 4; i++ {
		l := insight.Learner{ID: "up-late" + string(rune('0'+i)), Team: "up", Module: day("2026-10-01"), Applied: day("2026-10-13")}
		f.learners = append(f.learners, l)
	}
	// Team flat: 5 learners, 3 applied long ago: 60 % ≥ 50 %, no rise.
	f.learners = append(f.learners, learners("flat", 5, day("2026-09-07"), 3, 2)...)
	// Team small: 4 learners, all applied this week: the largest rise, but
	// below the minimum group it cannot be the most improved.
	f.learners = append(f.learners, learners("small", 4, day("2026-10-01"), 4, 14)...)

	r := f.report(t, params)
	want := []insight.Spot{
		{Kind: insight.SpotStreak, Manager: "ana", N: 4, Text: "weeks with a check-in"},
		{Kind: insight.SpotSharedWin, Manager: "ben", Team: "flat", Text: "ran the retro"},
		{Kind: insight.SpotAboveTarget, Manager: "ana", Team: "up", Share: 0.5},
		{Kind: insight.SpotAboveTarget, Manager: "ben", Team: "flat", Share: 0.6},
		{Kind: insight.SpotAboveTarget, Manager: "cy", Team: "small", Share: 1},
		{Kind: insight.SpotImproved, Manager: "ana", Team: "up", Share: 0.5 - 2.0/6},
	}
	if len(r.Spots) != len(want) {
		t.Fatalf("spots = %+v\nwant %+v", r.Spots, want)
	}
	for i := range want {
		g := r.Spots[i]
		if g.Kind != want[i].Kind || g.Manager != want[i].Manager || g.Team != want[i].Team || g.N != want[i].N ||
			g.Text != want[i].Text || !near(g.Share, want[i].Share) {
			t.Errorf("spot %d = %+v, want %+v", i, g, want[i])
		}
	}
}
