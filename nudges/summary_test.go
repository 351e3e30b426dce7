package nudges_test

import (
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
)

func TestMeasure(t *testing.T) {
	team := &nudges.Team{ID: "t", Name: "Support", Members: []nudges.Member{
		{ID: "a", Name: "Ada"}, {ID: "b", Name: "Ben"}, {ID: "c", Name: "Cy"}, {ID: "d", Name: "Di"},
	}}
	applied := map[string]bool{"a": true, "c": true, "d": true}
	week := []nudges.Entry{
		{Kind: "checkin", Learner: "a", Minutes: 15, Win: "Ada ran the retro", Shared: true},
		{Kind: "checkin", Learner: "b", Minutes: 5},
		{Kind: "checkin", Learner: "x", Minutes: 30}, // another team's learner: not this team's check-in
		{Kind: "assignment", Learner: "c"},
		{Kind: "checkin", Learner: "d", Minutes: 10, Win: "Di asked first", Shared: false},
	}
	p := nudges.Measure(team, func(l string) bool { return applied[l] }, week)
	p.Program, p.Targets = &nudges.Program{Name: "P", Launch: nudges.Date{Year: 2026, Month: 6, Day: 1}}, nudges.Targets{FirstApplicationShare: 0.7, CoachingMinutes: 60}
	p.Today = nudges.Date{Year: 2026, Month: 6, Day: 10}
	p.Pledged, p.Kept, p.Partly, p.Streak = 4, 2, 1, 2

	if p.Learners != 4 || p.Applied != 3 || p.AppliedShare() != 0.75 {
		t.Errorf("applied %d of %d (%.2f), want 3 of 4 (0.75)", p.Applied, p.Learners, p.AppliedShare())
	}
	if strings.Join(p.NotYet, ",") != "Ben" {
		t.Errorf("not yet %v, want [Ben]", p.NotYet)
	}
	// The manager's minutes count whoever the check-in was with.
	if p.CheckIns != 3 || p.Minutes != 60 {
		t.Errorf("check-ins %d, minutes %d; want 3 and 60", p.CheckIns, p.Minutes)
	}
	if len(p.Wins) != 2 {
		t.Fatalf("wins %v", p.Wins)
	}
	if got := p.KeptRate(); got != 0.625 { // (2 + 1/2) / 4
		t.Errorf("kept rate %.3f, want 0.625", got)
	}
	team1 := nudges.TeamSummary(p)
	all := strings.Join(team1.Lines, "\n")
	if !strings.Contains(all, "3 of 4 of us (75%)") || !strings.Contains(all, "Ada ran the retro") {
		t.Errorf("team summary:\n%s", all)
	}
	for _, private := range []string{"Ben", "Di asked first", "60"} {
		if strings.Contains(all, private) {
			t.Errorf("team summary exposes %q:\n%s", private, all)
		}
	}
	dm := strings.Join(nudges.ManagerSummary(p).Lines, "\n")
	for _, want := range []string{"3 of 4 learners (75%), target 70%. On target.", "Not yet applied: Ben.", "60 of 60 minutes (3 check-ins logged)", "Pledges kept: 63% of 4; current streak 2.", "Di asked first (kept private)"} {
		if !strings.Contains(dm, want) {
			t.Errorf("manager summary lacks %q:\n%s", want, dm)
		}
	}
}
