package slack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/slack-go/slack"
)

func checkHome(tb testing.TB, v slack.HomeTabViewRequest) (map[string]any, []any) {
	tb.Helper()
	doc := asJSON(tb, v).(map[string]any)
	blocks, _ := doc["blocks"].([]any)
	checkPayload(tb, mustBlockKit(tb).home, doc, blocks, 100)
	return doc, blocks
}

func overview() nudges.Overview {
	sent := time.Date(2026, 6, 8, 7, 30, 0, 0, time.UTC)
	other := progress()
	other.Team = &nudges.Team{ID: "t2", Name: "Billing"}
	other.Learners, other.Applied, other.NotYet, other.Minutes = 4, 4, nil, 45
	return nudges.Overview{
		Manager: manager, Context: nudges.Where(program, today),
		Open: []nudges.OpenNudge{
			{Nudge: "n-1", Kind: nudges.KindCheckIn, Title: "5-minute check-in: Five-minute debrief", Sent: sent},
			{Nudge: "n-2", Kind: nudges.KindPledge, Title: "Your coaching pledge for this week", Sent: sent.Add(time.Hour)},
			{Nudge: "n|3", Kind: nudges.KindAssignment, Title: "Micro-assignment: Run a feedback round"},
		},
		Pledge: "Ask one learner to show me where they used the new skill", Streak: 3, KeptRate: 0.75, Pledged: 4,
		Teams: []nudges.Progress{progress(), other},
		Wins:  progress().Wins,
	}
}

func TestHomeView(t *testing.T) {
	o := overview()
	doc, blocks := checkHome(t, nbslack.HomeView(o))
	if doc["type"] != "home" {
		t.Errorf("type %v", doc["type"])
	}
	bs := buttons(doc)
	if len(bs) != len(o.Open) {
		t.Fatalf("%d buttons, want one per open nudge (%d)", len(bs), len(o.Open))
	}
	for i, b := range bs {
		nudge, act, arg, ok := nbslack.ParseAction(b.actionID, b.value)
		if !ok || nudge != o.Open[i].Nudge || act != nudges.ActLog || arg != "" {
			t.Errorf("button %d: %q, %q, %q, %v; want %q, log", i, nudge, act, arg, ok, o.Open[i].Nudge)
		}
	}
	all := strings.Join(texts(blocks, "section"), "\n") + strings.Join(texts(blocks, "context"), "\n")
	for _, want := range []string{
		"Open nudges",
		"*5-minute check-in: Five-minute debrief*",
		"<!date^1780903800^", // Slack formats the sent time in the viewer's zone
		"Ask one learner to show me where they used the new skill",
		"Streak: 3 kept in a row", "Kept: 75% of 4 reviewed",
		"*Support &lt;EMEA&gt;*",
		"First application: ▓▓▓▓▓▓░░░░ 60% / target 70% (6 of 10 learners)",
		"Coaching minutes: ▓▓▓▓░░░░░░ 12 / target 30 this week",
		"*Billing*", "First application: ▓▓▓▓▓▓▓▓▓▓ 100% / target 70%", "Coaching minutes: ▓▓▓▓▓▓▓▓▓▓ 45 / target 30",
		"Not yet applied: Ben Okafor, Chen Wei, Dora Kis, Eli Stone",
		"*Priya Shah* — Ran her first feedback round &amp; it stuck _(shared with the team)_",
		"*Tom* — Calmed an angry customer _(kept private)_",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("home tab lacks %q", want)
		}
	}
}

func TestHomeView_Empty(t *testing.T) {
	_, blocks := checkHome(t, nbslack.HomeView(nudges.Overview{}))
	all := strings.Join(texts(blocks, "section"), "\n")
	if !strings.Contains(all, "Nothing is waiting for you") || !strings.Contains(all, "No pledge yet") {
		t.Errorf("empty home tab says %q", all)
	}
}

func TestHomeView_Crowded(t *testing.T) {
	o := overview()
	o.Open = nil
	for i := range 200 {
		o.Open = append(o.Open, nudges.OpenNudge{Nudge: fmt.Sprint("n", i), Kind: nudges.KindCheckIn, Title: strings.Repeat("t", 400)})
	}
	for range 60 {
		o.Teams = append(o.Teams, progress())
	}
	for range 80 {
		o.Wins = append(o.Wins, nudges.Win{Member: "M", Text: strings.Repeat("w", 500)})
	}
	doc, blocks := checkHome(t, nbslack.HomeView(o))
	if len(buttons(doc)) == 0 {
		t.Error("a crowded home tab lost every open nudge")
	}
	if !strings.Contains(strings.Join(texts(blocks, "context"), "\n"), "more in your messages") {
		t.Error("the home tab does not say that more nudges are open")
	}
}
