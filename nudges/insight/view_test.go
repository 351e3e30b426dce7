package insight_test

import (
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// privacyFacts: team "four" (4 learners, just under the minimum of 5) and
// team "five" (5, at it), neither with an application — each a red flag —
// and managers who missed check-ins.
func privacyFacts() facts {
	ck := nudges.KindCheckIn
	f := facts{teams: []insight.Team{team("four", "ana"), team("five", "ben")}}
	f.learners = append(learners("four", 4, day("2026-09-14"), 0, 0), learners("five", 5, day("2026-09-14"), 0, 0)...)
	for _, m := range []string{"ana", "ben"} {
		f.nudges = append(f.nudges, expired(sent(m+"1", m, "weekly", ck, 1)), expired(sent(m+"2", m, "weekly", ck, 2)))
	}
	win := checkin("ben", "", 3, 10)
	win.Learner, win.Win, win.Shared = "five-la", "led stand-up", true
	f.replies = append(f.replies, win)
	return f
}

func TestFor_MinimumGroup(t *testing.T) {
	r := privacyFacts().report(t, params)
	if len(r.Flags) != 4 {
		t.Fatalf("the full report has %d flags, want 4: %+v", len(r.Flags), r.Flags)
	}
	for _, tc := range []struct {
		name     string
		a        insight.Audience
		teams    map[string]bool // team → shown with figures (false: hidden)
		flags    int
		managers int
	}{
		{"L&D sees the team at the minimum, not the one under it", insight.LnD(),
			map[string]bool{"four": false, "five": true}, 3, 2},
		{"a manager sees their own small team", insight.ManagerOf("ana"), map[string]bool{"four": true}, 2, 1},
		{"another manager sees only their own", insight.ManagerOf("ben"), map[string]bool{"five": true}, 2, 1},
		{"the small team's channel sees nothing of it", insight.Channel("four"), map[string]bool{"four": false}, 0, 0},
		{"the large team's channel sees its figures, no flag", insight.Channel("five"), map[string]bool{"five": true}, 0, 0},
		{"nobody in particular sees nothing", insight.Audience{}, map[string]bool{}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := r.For(tc.a)
			if len(v.Teams) != len(tc.teams) {
				t.Fatalf("teams = %+v, want %v", v.Teams, tc.teams)
			}
			for _, tf := range v.Teams {
				shown, ok := tc.teams[tf.Team]
				switch {
				case !ok:
					t.Errorf("team %s is in the view", tf.Team)
				case shown && (tf.Hidden || tf.Counted == 0):
					t.Errorf("team %s hidden: %+v", tf.Team, tf)
				case !shown && (!tf.Hidden || tf.Counted != 0 || tf.Applied != 0 || tf.Share != 0):
					t.Errorf("team %s shown below the minimum: %+v", tf.Team, tf)
				}
			}
			if len(v.Flags) != tc.flags || len(v.Managers) != tc.managers {
				t.Errorf("flags %+v, managers %+v; want %d and %d", v.Flags, v.Managers, tc.flags, tc.managers)
			}
		})
	}
}

// TestFor_ChannelNeverGetsFlagsOrSmallGroups checks every channel of
// reports with teams of every size from 1 to 7: no red flag, no figure of a
// team under the minimum, no one's coaching figures, nothing of another team.
func TestFor_ChannelNeverGetsFlagsOrSmallGroups(t *testing.T) {
	var f facts
	for n := 1; n <= 7; n++ {
		id, m := "team"+string(rune('0'+n)), "mgr"+string(rune('0'+n))
		f.teams = append(f.teams, team(id, m))
		f.learners = append(f.learners, learners(id, n, day("2026-09-14"), n/2, 3)...)
		f.nudges = append(f.nudges, expired(sent(m+"a", m, "weekly", nudges.KindCheckIn, 1)),
			expired(sent(m+"b", m, "weekly", nudges.KindCheckIn, 2)), failed(m+"c", m, 3), failed(m+"d", m, 4))
	}
	r := f.report(t, params)
	if len(r.Flags) == 0 {
		t.Fatal("the report has no flags to withhold")
	}
	for _, tm := range f.teams {
		v := r.For(insight.Channel(tm.ID))
		if len(v.Flags) != 0 || len(v.Managers) != 0 || len(v.Experiments) != 0 || len(v.Cadences) != 0 || v.Reach != (insight.Reach{}) {
			t.Errorf("channel %s got %+v", tm.ID, v)
		}
		for _, tf := range v.Teams {
			if tf.Team != tm.ID || (tf.Counted < r.MinGroup && !tf.Hidden) || (tf.Hidden && tf.Counted+tf.Applied != 0) {
				t.Errorf("channel %s shows %+v", tm.ID, tf)
			}
		}
		for _, s := range v.Spots {
			if s.Team != tm.ID || (s.Kind != insight.SpotSharedWin && s.Kind != insight.SpotAboveTarget) {
				t.Errorf("channel %s shows spot %+v", tm.ID, s)
			}
		}
	}
}
