package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// bigDigest is a digest with more red flags and bright spots than it lists,
// a rated nudge and an experiment: every kind of line it has.
func bigDigest(t *testing.T) nudges.Message {
	t.Helper()
	launch := nudges.Date{Year: 2026, Month: 6, Day: 1}
	prog := &nudges.Program{ID: "p", Name: "Feedback <& \"friends\">", Launch: launch, Weeks: 12}
	to := launch.AddDays(41)
	b := insight.NewBook(insight.Params{Program: prog, From: launch, To: to, Holdouts: map[string]float64{"checkin": 50},
		Targets: nudges.Targets{FirstApplicationShare: 0.7, CoachingMinutes: 30}})
	for i := range 30 {
		m := fmt.Sprintf("m%d", i)
		b.AddTeam(insight.Team{ID: "t" + m, Name: "Team *" + m + "*", Manager: m})
		for j := range 6 {
			b.AddLearner(insight.Learner{ID: fmt.Sprint(m, "-", j), Team: "t" + m, Module: launch})
		}
		for w := range 3 {
			sent := time.Date(2026, 6, 1+7*w, 9, 0, 0, 0, time.UTC)
			b.AddNudge(insight.Nudge{ID: fmt.Sprint(m, w), Manager: m, Cadence: "checkin", Kind: nudges.KindCheckIn,
				Day: nudges.DateOf(sent), Sent: sent, Expired: true})
			b.AddReply(insight.Reply{Manager: m, Nudge: fmt.Sprint(m, w), Kind: "rating", Rating: nudges.ActUseful,
				Day: nudges.DateOf(sent), At: sent.Add(time.Hour)})
		}
	}
	v := b.Report().For(insight.LnD())
	msg, err := insight.Digest(prog, to, v, &v, func(id string) string { return "Manager <" + id + ">" })
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestDigestBlocks(t *testing.T) {
	m := bigDigest(t)
	if !strings.Contains(strings.Join(m.Lines, "\n"), "…and ") {
		t.Fatalf("the digest lists every flag; the test wants more than it shows:\n%s", strings.Join(m.Lines, "\n"))
	}
	text, blocks := nbslack.MessageBlocks(m)
	doc := checkMessage(t, blocks)
	if bs := buttons(doc); len(bs) != 0 {
		t.Errorf("the digest has %d buttons; it asks nothing", len(bs))
	}
	sections := texts(doc, "section")
	for _, l := range m.Lines {
		if !contains(sections, escapeWant(l)) {
			t.Errorf("line %q missing", l)
		}
	}
	if text != escapeWant(m.Fallback) {
		t.Errorf("text = %q, want %q", text, escapeWant(m.Fallback))
	}
}

func TestCommand_Digest(t *testing.T) {
	v := newEnv(t, "2026-06-17T10:00:00Z")
	base := v.serveHTTP()
	if got := v.command(t, base, uAnn, "digest", "t-d1"); !strings.Contains(got, "for L&amp;D admins") {
		t.Errorf("digest for a manager who is not an admin: %q", got)
	}
	if got := v.command(t, base, uLD, "digest", "t-d2"); !strings.Contains(got, "admins on the roster") {
		t.Errorf("digest for an admin who is not on the roster: %q", got)
	}
	if got := v.command(t, base, uLee, "digest", "t-d3"); !strings.Contains(got, "on its way as a direct message") {
		t.Errorf("digest for Lee: %q", got)
	}
	v.flush(t)
	posts := v.fake.Messages("D" + uLee)
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "Feedback digest") {
		t.Fatalf("Lee's DMs: %+v, want the digest", posts)
	}
	var blocks []any
	if err := json.Unmarshal(posts[0].Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	checkPayload(t, mustBlockKit(t).message, blocks, blocks, 50)
	// Nothing reached a channel, nor Ann.
	for _, ch := range []string{"C0TEAM1", "C0TEAM2", dmAnn} {
		if ps := v.fake.Messages(ch); len(ps) != 0 {
			t.Errorf("%s got %d posts: %+v", ch, len(ps), ps)
		}
	}
}

// TestHoldBlocks: the question after ignored nudges renders as valid Block
// Kit with three buttons, each read back as the hold answer it offers.
func TestHoldBlocks(t *testing.T) {
	_, blocks := nbslack.MessageBlocks(nudges.HoldMessage("n1", 3))
	doc := checkMessage(t, blocks)
	bs := buttons(doc)
	if len(bs) != 3 {
		t.Fatalf("%d buttons, want keep, pause and stop", len(bs))
	}
	for i, want := range []string{nudges.HoldKeep, nudges.HoldPause, nudges.HoldStop} {
		nudge, act, arg, ok := nbslack.ParseAction(bs[i].actionID, bs[i].value)
		if !ok || nudge != "n1" || act != nudges.ActHold || arg != want {
			t.Errorf("button %d reads back as %q %q %q %v, want n1 hold %s", i, nudge, act, arg, ok, want)
		}
	}
}
