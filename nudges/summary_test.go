package nudges_test

import (
	"fmt"
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
	p.Program, p.Targets = &nudges.Program{Name: "P", Launch: nudges.Date{Year: 2026, Month: 6, Day: 1}}, nudges.Targets{FirstApplicationShare: 0.7, CoachingMinutes: 60, MinGroup: 4}
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

func TestTeamSummary_Chart(t *testing.T) {
	team := &nudges.Team{ID: "t", Name: "Support", Members: []nudges.Member{
		{ID: "a", Name: "Ada"}, {ID: "b", Name: "Ben"}, {ID: "c", Name: "Cy"},
	}}
	week := []nudges.Entry{{Kind: "checkin", Learner: "a", Minutes: 45, Win: "Ada ran the retro", Shared: true}}
	p := nudges.Measure(team, func(l string) bool { return l == "a" }, week)
	p.Program = &nudges.Program{Name: "P", Launch: nudges.Date{Year: 2026, Month: 6, Day: 1}}
	p.Targets = nudges.Targets{FirstApplicationShare: 0.7, CoachingMinutes: 60, MinGroup: 3}
	p.Today = nudges.Date{Year: 2026, Month: 6, Day: 10}

	m := nudges.TeamSummary(p)
	if m.Chart == nil {
		t.Fatal("team summary carries no chart")
	}
	want := nudges.Chart{Label: "Support", Week: 2, Applied: 1, Learners: 3, TargetShare: 0.7}
	if *m.Chart != want {
		t.Errorf("chart %+v, want %+v", *m.Chart, want)
	}
	// The chart goes to the channel too: aggregates only, no names, no
	// wins, and not the manager's own coaching minutes.
	for _, private := range []string{"Ada", "Ben", "Cy", "retro", "45", "60"} {
		if strings.Contains(fmt.Sprintf("%+v", *m.Chart), private) {
			t.Errorf("chart %+v exposes %q", *m.Chart, private)
		}
	}
	if got := m.Chart.AppliedShare(); got != 1.0/3 {
		t.Errorf("applied share %v, want 1/3", got)
	}
	if got := (nudges.Chart{}).AppliedShare(); got != 0 {
		t.Errorf("applied share of no learners %v, want 0", got)
	}
	if c := nudges.ManagerSummary(p).Chart; c != nil {
		t.Errorf("manager summary carries a chart %+v; only the channel's has one", c)
	}
}

// TestTeamSummary_BelowMinimumGroup: a team under the minimum group size
// (the default, 5, when the targets name none) gets no figure and no chart
// in its channel; its manager's own summary keeps them.
func TestTeamSummary_BelowMinimumGroup(t *testing.T) {
	for _, tc := range []struct {
		name     string
		members  int
		minGroup int
		figures  bool
	}{
		{"four under the default", 4, 0, false},
		{"four under five", 4, 5, false},
		{"five at five", 5, 5, true},
		{"five at the default", 5, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			team := &nudges.Team{ID: "t", Name: "Support"}
			for i := range tc.members {
				team.Members = append(team.Members, nudges.Member{ID: fmt.Sprint(i), Name: fmt.Sprint("L", i)})
			}
			week := []nudges.Entry{{Kind: "checkin", Learner: "0", Minutes: 15, Win: "L0 ran the retro", Shared: true}}
			p := nudges.Measure(team, func(l string) bool { return l == "0" }, week)
			p.Program = &nudges.Program{Name: "P", Launch: nudges.Date{Year: 2026, Month: 6, Day: 1}}
			p.Targets = nudges.Targets{FirstApplicationShare: 0.7, CoachingMinutes: 60, MinGroup: tc.minGroup}
			p.Today = nudges.Date{Year: 2026, Month: 6, Day: 10}
			m := nudges.TeamSummary(p)
			text := strings.Join(append(m.Lines, m.Fallback), "\n")
			shown := m.Chart != nil || strings.Contains(text, "%") || strings.Contains(text, fmt.Sprintf("of %d", tc.members))
			if shown != tc.figures {
				t.Errorf("figures shown = %v, want %v:\n%s (chart %v)", shown, tc.figures, text, m.Chart)
			}
			if !strings.Contains(text, "Win: L0 — L0 ran the retro") {
				t.Errorf("the shared win is missing:\n%s", text)
			}
			if dm := strings.Join(nudges.ManagerSummary(p).Lines, "\n"); !strings.Contains(dm, fmt.Sprintf("1 of %d learners", tc.members)) {
				t.Errorf("the manager's own summary lost the figures:\n%s", dm)
			}
		})
	}
}
