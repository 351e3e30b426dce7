package insight_test

import (
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

func TestReach(t *testing.T) {
	ck := nudges.KindCheckIn
	f := facts{
		teams: []insight.Team{team("ta", "ana"), team("tb", "ben"), team("tc", "cy")},
		nudges: []insight.Nudge{
			sent("a1", "ana", "weekly", ck, 1), sent("a2", "ana", "weekly", ck, 2),
			sent("a3", "ana", "pledge", nudges.KindPledge, 2),
			sent("b1", "ben", "weekly", ck, 1),
			// cy is on the roster but was never nudged (holiday all along).
			// A nudge outside the range is not counted.
			sent("a0", "ana", "weekly", ck, -1),
		},
		replies: []insight.Reply{
			checkin("ana", "a1", 1, 15),          // 2 h after
			reply("ana", "a2", "snooze", 2, 4),   // 4 h: the first answer settles it
			checkin("ana", "a2", 2, 20),          // later log: no second answer
			reply("ana", "a2", "rating", 2, 5),   // a rating is not an answer
			reply("ben", "b1", "note", 1, 1),     // nor is a note
			reply("ben", "b1", "expired", 1, 50), // nor the bot closing it
			reply("ana", "a3", string(nudges.KindPledge), 2, 100),
		},
	}
	r := f.report(t, params)
	want := insight.Reach{Managers: 3, Nudged: 2, Answered: 1, Coached: 1, Delivered: 4, Replied: 3, AnswerRate: 0.75}
	if r.Reach != want {
		t.Errorf("reach = %+v, want %+v", r.Reach, want)
	}
	weekly := r.Cadences[1]
	if weekly.Cadence != "weekly" || weekly.Delivered != 3 || weekly.Answered != 2 || !near(weekly.AnswerRate, 2.0/3) {
		t.Errorf("weekly = %+v, want 3 delivered, 2 answered", weekly)
	}
	if weekly.MedianAnswer != 3*3600 {
		t.Errorf("median time to answer = %ds, want 3 h (2 h and 4 h)", weekly.MedianAnswer)
	}
	if p := r.Cadences[0]; p.Cadence != "pledge" || p.MedianAnswer != 100*3600 {
		t.Errorf("pledge = %+v, want answered after 100 h", p)
	}
	wantWeeks := []insight.WeekReach{{Week: 1, Nudged: 2, Answered: 1, Coached: 1, Minutes: 15}, {Week: 2, Nudged: 1, Answered: 1, Coached: 1, Minutes: 20}}
	if len(r.Weeks) != len(wantWeeks) {
		t.Fatalf("weeks = %+v, want %+v", r.Weeks, wantWeeks)
	}
	for i := range wantWeeks {
		if r.Weeks[i] != wantWeeks[i] {
			t.Errorf("week %d = %+v, want %+v", i+1, r.Weeks[i], wantWeeks[i])
		}
	}
}

func TestReach_Empty(t *testing.T) {
	r := facts{}.report(t, params)
	if r.Reach != (insight.Reach{}) || len(r.Flags) != 0 || len(r.Spots) != 0 || len(r.Cadences) != 0 {
		t.Errorf("empty book gave %+v", r)
	}
}
