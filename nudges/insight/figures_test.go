package insight_test

import (
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

func TestFirstApplication(t *testing.T) {
	to := params.To // Sunday 18 October
	for _, tc := range []struct {
		name             string
		learners         []insight.Learner
		counted, applied int
		share            float64
	}{
		{"applied within two weeks", learners("t", 4, day("2026-09-14"), 2, 14), 4, 2, 0.5},
		{"applied after the window counts as not applied", learners("t", 2, day("2026-09-14"), 2, 15), 2, 0, 0},
		{"applied before finishing the module counts", learners("t", 1, day("2026-09-14"), 1, -3), 1, 1, 1},
		{"window still open, not applied: not counted yet", learners("t", 3, to.AddDays(-13), 0, 0), 0, 0, 0},
		{"window still open, applied: counted", learners("t", 3, to.AddDays(-5), 1, 2), 1, 1, 1},
		{"module not finished: not counted", []insight.Learner{{ID: "x", Team: "t"}}, 0, 0, 0},
		{"joined mid-program: their own module date", append(learners("t", 2, day("2026-09-07"), 1, 3),
			insight.Learner{ID: "late", Team: "t", Module: day("2026-10-01"), Applied: day("2026-10-10")}), 3, 2, 2.0 / 3},
		{"application after To is not seen yet", learners("t", 2, day("2026-10-01"), 2, 20), 2, 0, 0},
		{"learner of an unknown team is ignored", learners("nope", 3, day("2026-09-07"), 3, 1), 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := facts{teams: []insight.Team{team("t", "ana")}, learners: tc.learners}.report(t, params)
			got := teamOf(r, "t")
			if got.Counted != tc.counted || got.Applied != tc.applied || !near(got.Share, tc.share) || got.Target != 0.5 {
				t.Errorf("team = %+v, want %d of %d (%.2f) against 0.5", got, tc.applied, tc.counted, tc.share)
			}
		})
	}
}

func TestCoachingMinutes(t *testing.T) {
	ck := nudges.KindCheckIn
	// Weeks 1, 2 and 4 with a nudge; week 3 the manager was on holiday
	// (nothing sent, nothing logged): it does not count against the target.
	f := facts{
		teams: []insight.Team{team("t", "ana")},
		nudges: []insight.Nudge{sent("n1", "ana", "weekly", ck, 1), sent("n2", "ana", "weekly", ck, 2),
			sent("n4", "ana", "weekly", ck, 4)},
		replies: []insight.Reply{checkin("ana", "n1", 1, 30), checkin("ana", "n2", 2, 15), checkin("ana", "n2", 2, 15),
			checkin("ana", "n4", 4, 45)},
	}
	got := managerOf(f.report(t, params), "ana")
	want := insight.ManagerFigures{Manager: "ana", Weeks: 3, Minutes: 105, PerWeek: 35, Target: 30, WeeksOnTarget: 3,
		CheckIns: 4, Streak: 3}
	if got != want {
		t.Errorf("figures = %+v\nwant        %+v", got, want)
	}
}

func TestPledges(t *testing.T) {
	for _, tc := range []struct {
		name         string
		kept         []string
		rate         float64
		streak       int
		brokenFlag   bool
		streakSpotOK bool
	}{
		{"none reviewed", nil, 0, 0, false, false},
		{"partly counts half", []string{"yes", "partly", "no", "yes"}, 0.625, 1, false, false},
		{"two broken in a row", []string{"yes", "no", "no"}, 1.0 / 3, 0, true, false},
		{"broken then kept again", []string{"no", "no", "yes"}, 1.0 / 3, 1, false, false},
		{"four kept in a row", []string{"no", "yes", "yes", "yes", "yes"}, 0.8, 4, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f facts
			f.teams = []insight.Team{team("t", "ana")}
			for i, k := range tc.kept {
				r := reply("ana", "", string(nudges.KindPledge), i+1, 1)
				r.Kept = k
				f.replies = append(f.replies, r)
			}
			r := f.report(t, params)
			m := managerOf(r, "ana")
			if m.Pledges != len(tc.kept) || !near(m.KeptRate, tc.rate) || m.KeptStreak != tc.streak {
				t.Errorf("pledges = %d, rate %.3f, streak %d; want %d, %.3f, %d", m.Pledges, m.KeptRate, m.KeptStreak,
					len(tc.kept), tc.rate, tc.streak)
			}
			if got := hasFlag(r, insight.FlagBrokenPledges, "ana"); got != tc.brokenFlag {
				t.Errorf("broken-pledges flag = %v, want %v", got, tc.brokenFlag)
			}
			if got := hasSpot(r, insight.SpotStreak, "ana"); got != tc.streakSpotOK {
				t.Errorf("streak spot = %v, want %v", got, tc.streakSpotOK)
			}
		})
	}
}

func hasFlag(r insight.Report, k insight.FlagKind, manager string) bool {
	for _, f := range r.Flags {
		if f.Kind == k && f.Manager == manager {
			return true
		}
	}
	return false
}

func hasSpot(r insight.Report, k insight.SpotKind, manager string) bool {
	for _, s := range r.Spots {
		if s.Kind == k && s.Manager == manager {
			return true
		}
	}
	return false
}

func TestHoldFigures(t *testing.T) {
	holdAt := func(m, step string, w int) insight.Reply {
		r := reply(m, "", "hold", w, 1)
		r.Hold = step
		return r
	}
	f := facts{
		teams:   []insight.Team{team("t", "ana"), team("u", "ben"), team("v", "cy")},
		nudges:  []insight.Nudge{sent("n1", "cy", "weekly", nudges.KindCheckIn, 1)},
		replies: []insight.Reply{holdAt("ana", "asked", 2), holdAt("ana", "pause", 3), holdAt("ben", "asked", 4), checkin("cy", "n1", 1, 5)},
	}
	r := f.report(t, params)
	for m, want := range map[string]string{"ana": "pause", "ben": "asked", "cy": ""} {
		if got := managerOf(r, m).Hold; got != want {
			t.Errorf("%s: hold %q, want %q", m, got, want)
		}
	}
	// A hold step is not an answer to a nudge.
	if r.Reach.Answered != 1 {
		t.Errorf("answered = %d, want cy alone", r.Reach.Answered)
	}
	d, err := insight.Digest(program, params.To, r.For(insight.LnD()), nil, names)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(d.Lines, "\n"), "Nudges held after several went unanswered: 1 awaiting an answer, 1 paused for four weeks, 0 stopped.") {
		t.Errorf("digest:\n%s", strings.Join(d.Lines, "\n"))
	}
}
