package teams_test

import (
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/nudges"
)

// say posts a message from a user and returns what the bot answered: the
// text, or the card as JSON; "" when it answered nothing.
func (v *env) say(from, text string) string {
	v.t.Helper()
	before := len(v.fake.Messages(v.fake.Conversation(from)))
	a := v.activity(teams.TypeMessage, from)
	a["text"] = text
	if s, _ := v.post(a); s != 200 {
		v.t.Fatalf("message %q: %d", text, s)
	}
	msgs := v.fake.Messages(v.fake.Conversation(from))
	if len(msgs) == before {
		return ""
	}
	last := msgs[len(msgs)-1]
	if len(last.Attachments) > 0 {
		c := card(v.t, last)
		validCard(v.t, c)
		return jsonText(c)
	}
	return last.Text
}

// TestTextCommandsGrammar: typed commands answer on Teams as the
// conversation layer's grammar does everywhere: usage errors, unknown
// commands, the admin rule decided before the arguments are read, the
// outbox, a nudge sent to a manager named by email. A refused or
// mistyped command queues nothing and stores nothing.
func TestTextCommandsGrammar(t *testing.T) {
	cases := []struct {
		name, from, text string
		want             []string // in the answer
		not              []string // not in the answer
		queued           int      // nudges queued for Ann by the command
	}{
		{name: "admin command refused before its arguments", from: uAnn, text: "send",
			want: []string{"`send` is for L&D admins", "haven't done anything"}, not: []string{"Usage"}},
		{name: "admin command refused with arguments", from: uAnn, text: "send checkin ann@example.com",
			want: []string{"`send` is for L&D admins"}},
		{name: "outbox refused to a manager", from: uAnn, text: "outbox", want: []string{"`outbox` is for L&D admins"}},
		{name: "usage error of an admin's command", from: uLee, text: "send checkin",
			want: []string{"Usage: `send <checkin|assignment|pledge|summary> <manager>`"}},
		{name: "usage error of a manager's command", from: uAnn, text: "checkin now please", want: []string{"Usage: `checkin`"}},
		{name: "usage error of pause", from: uLee, text: "/nudge pause", want: []string{"Usage: `pause <program>`"}},
		{name: "unknown command after a slash", from: uAnn, text: "/frobnicate",
			want: []string{"I don't know `frobnicate`", "`status`", "`snooze`"}, not: []string{"For L&D admins", "`send"}},
		{name: "terminal-only command is unknown here", from: uLee, text: "/as ann",
			want: []string{"I don't know `as`", "For L&D admins", "`send <checkin"}},
		{name: "help for a manager", from: uAnn, text: "help", want: []string{"`checkin`", "`pledge`", "kept as a note"},
			not: []string{"For L&D admins", "outbox"}},
		{name: "help for an admin", from: uLee, text: "/nudge help", want: []string{"For L&D admins", "`outbox`", "`reload`"}},
		{name: "bare mention is help", from: uAnn, text: "<at>nudgebot</at>", want: []string{"`status`"}},
		{name: "outbox for an admin", from: uLee, text: "outbox", want: []string{"**Outbox**", "- pending: 0", "- sent: 0"}},
		{name: "send by email", from: uLee, text: "send checkin ann@example.com",
			want: []string{"Queued a checkin nudge for Ann Lee"}, queued: 1},
		{name: "send by an email Teams made a link", from: uLee, text: `send pledge <a href="mailto:Ann@Example.com">Ann@Example.com</a>`,
			want: []string{"Queued a pledge nudge for Ann Lee"}, queued: 1},
		{name: "send by roster id", from: uLee, text: "send assignment ann", want: []string{"Queued an assignment nudge for Ann Lee"}, queued: 1},
		{name: "send to someone not on the roster", from: uLee, text: "send checkin nobody@example.com",
			want: []string{"I can't find nobody@example.com on the roster"}},
		{name: "send of a kind that does not exist", from: uLee, text: "send party ann", want: []string{"not \"party\""}},
		{name: "unknown program", from: uLee, text: "pause nope", want: []string{"There is no program \"nope\"", "Programs: p"}},
		{name: "reload not enabled", from: uLee, text: "reload", want: []string{"not enabled"}},
		{name: "retry with nothing failed", from: uLee, text: "retry", want: []string{"nothing to retry"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, "2026-06-01T10:00:00Z")
			v.install(uAnn)
			v.install(uLee)
			got := v.say(tc.from, tc.text)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q answered %q, want it to contain %q", tc.text, got, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("%q answered %q, which should not contain %q", tc.text, got, w)
				}
			}
			queued := 0
			for _, it := range v.items() {
				if it.Manager == "ann" {
					queued++
				}
			}
			if queued != tc.queued {
				t.Errorf("%q queued %d nudges for Ann, want %d", tc.text, queued, tc.queued)
			}
			if n := len(v.logs()); n != 0 {
				t.Errorf("%q stored %d logs", tc.text, n)
			}
		})
	}
}

// TestCommandDoneOnce: a command Teams delivers twice is done once, and
// the second delivery is not answered.
func TestCommandDoneOnce(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	v.install(uLee)
	a := v.activity(teams.TypeMessage, uLee)
	a["text"] = "send checkin ann"
	v.post(a)
	v.post(a)
	if n := len(v.items()); n != 1 {
		t.Fatalf("a send delivered twice queued %d nudges, want 1", n)
	}
	if n := len(v.fake.Messages(v.fake.Conversation(uLee))); n != 1 {
		t.Fatalf("a send delivered twice was answered %d times, want once", n)
	}
}

// TestSnoozeByTextUpdatesCard: "snooze" typed answers the latest open
// nudge, says which, and its card no longer offers the buttons; the same
// nudge snoozed from its card is the same answer, stored once.
func TestSnoozeByTextUpdatesCard(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	got := v.say(uAnn, "snooze")
	if !strings.Contains(strings.ToLower(got), "snooze") {
		t.Fatalf("snooze answered %q", got)
	}
	msgs := v.fake.Messages(v.fake.Conversation(uAnn))
	nudge := card(t, msgs[0])
	validCard(t, nudge)
	if msgs[0].Updates == 0 || strings.Contains(jsonText(nudge), "Action.Execute") {
		t.Fatalf("the nudge's card was not redrawn as answered: %d updates, %s", msgs[0].Updates, jsonText(nudge))
	}
	c := jsonText(v.invokeCard(v.execute(uAnn, id, nudges.ActSnooze, nil)))
	if !strings.Contains(c, "Already recorded") {
		t.Fatalf("the card's snooze after the typed one: %s", c)
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs after one snooze typed and pressed, want 1", n)
	}
}

// TestOutcomeKeyedOnWhatWasAnswered: an outcome pressed twice, spelt as
// the card sends it and as the roster does, is one answer.
func TestOutcomeKeyedOnWhatWasAnswered(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	asg := v.sendNow("ann", nudges.KindAssignment)
	v.flush()
	for _, value := range []string{"priya|applied", "Priya Shah|Applied"} {
		out := v.execute(uAnn, asg, nudges.ActOutcome, nil)
		out["value"].(map[string]any)["action"].(map[string]any)["data"].(map[string]any)["value"] = value
		v.invokeCard(out)
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs for one outcome pressed twice, want 1", n)
	}
}

// TestCommandInChannelNotAnswered: a command typed in a team channel is
// not run there, where everyone reads the answer (a manager's week, a
// form, names): the bot points to the 1:1 chat and does nothing.
func TestCommandInChannelNotAnswered(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	v.install(uLee)
	v.fake.AddChannel(channel1)
	for _, text := range []string{"<at>nudgebot</at> status", "<at>nudgebot</at> send checkin ann"} {
		a := v.activity(teams.TypeMessage, uLee)
		a["text"] = text
		a["conversation"] = map[string]any{"id": channel1, "conversationType": "channel", "tenantId": tenant}
		a["channelData"] = map[string]any{"tenant": map[string]any{"id": tenant}, "team": map[string]any{"id": channel1}}
		if s, _ := v.post(a); s != 200 {
			t.Fatalf("message: %d", s)
		}
		ch := v.fake.Messages(channel1)
		if len(ch) == 0 || !strings.Contains(ch[len(ch)-1].Text, "only in your own chat") || len(ch[len(ch)-1].Attachments) != 0 {
			t.Fatalf("%q in the channel was answered %+v", text, ch)
		}
	}
	if n := len(v.items()); n != 0 {
		t.Fatalf("a send typed in a channel queued %d nudges", n)
	}
}
