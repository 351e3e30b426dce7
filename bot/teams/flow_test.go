package teams_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/nudges"
)

// checkIn is a valid check-in log, as the card's inputs send it.
func checkIn(win string, share bool) map[string]any {
	return map[string]any{nudges.FieldMember: "priya", nudges.FieldTried: "asked for feedback",
		nudges.FieldChanged: "she asked back", nudges.FieldMinutes: "10", nudges.FieldNext: "try it in the stand-up",
		nudges.FieldReview: "2026-06-09", nudges.FieldWin: win, nudges.FieldShare: map[bool]string{true: "true", false: "false"}[share]}
}

// execute is the invoke Teams sends for an Action.Execute.
func (v *env) execute(from, nudge, act string, inputs map[string]any) map[string]any {
	a := v.activity(teams.TypeInvoke, from)
	a["name"] = teams.InvokeCardAction
	data := map[string]any{"nudge": nudge, "act": act, "kind": "checkin"}
	for k, x := range inputs {
		data[k] = x
	}
	a["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": act, "data": data}, "trigger": "manual"}
	return a
}

// invokeCard posts an invoke and returns the card it was answered with.
func (v *env) invokeCard(act map[string]any) map[string]any {
	v.t.Helper()
	status, body := v.post(act)
	var res struct {
		StatusCode int            `json:"statusCode"`
		Type       string         `json:"type"`
		Value      map[string]any `json:"value"`
	}
	if status != 200 || json.Unmarshal(body, &res) != nil || res.StatusCode != 200 || res.Type != teams.ContentTypeCard {
		v.t.Fatalf("invoke answered %d %s", status, body)
	}
	validCard(v.t, res.Value)
	return res.Value
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestNudgeCardExecuteAndSubmitStoreOnce: a due nudge arrives in the
// manager's 1:1 as a valid card; answering it with Action.Execute stores
// one log and answers with the done card, also when Teams delivers the
// invoke twice; the Action.Submit fallback for the same nudge stores
// nothing more and updates the card in place.
func TestNudgeCardExecuteAndSubmitStoreOnce(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	if _, ok := v.e.Identity("teams-ref", "ann"); !ok {
		t.Fatal("installation did not keep Ann's conversation reference")
	}
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	conv := v.fake.Conversation(uAnn)
	msgs := v.fake.Messages(conv)
	if len(msgs) != 1 {
		t.Fatalf("Ann's chat holds %d messages, want 1", len(msgs))
	}
	c := card(t, msgs[0])
	validCard(t, c)
	if !strings.Contains(jsonText(c), "check-in") || !strings.Contains(jsonText(c), `"id":"tried"`) {
		t.Fatalf("the card lacks the check-in form: %s", jsonText(c))
	}

	act := v.execute(uAnn, id, nudges.ActLog, checkIn("", false))
	done := v.invokeCard(act)
	if !strings.Contains(jsonText(done), "✅") || strings.Contains(jsonText(done), "Action.Execute") {
		t.Fatalf("the answered card does not show it is done: %s", jsonText(done))
	}
	again := v.invokeCard(act) // Teams delivers the same invoke again
	if !strings.Contains(jsonText(again), "✅") {
		t.Fatalf("a redelivered invoke was not answered as done: %s", jsonText(again))
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs after the invoke was delivered twice, want 1", n)
	}

	// The same answer through the Action.Submit fallback, twice.
	sub := v.activity(teams.TypeMessage, uAnn)
	val := checkIn("", false)
	val["nudge"], val["act"], val["kind"] = id, nudges.ActLog, "checkin"
	sub["value"], sub["replyToId"] = val, msgs[0].ID
	for range 2 {
		if s, _ := v.post(sub); s != 200 {
			t.Fatalf("submit: %d", s)
		}
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs after the submit fallback, want 1", n)
	}
	msgs = v.fake.Messages(conv)
	if len(msgs) != 1 || msgs[0].Updates == 0 || !strings.Contains(jsonText(card(t, msgs[0])), "✅") {
		t.Fatalf("the card was not updated in place: %d messages, %d updates", len(msgs), msgs[0].Updates)
	}
}

// TestSubmitFallbackStoresOnce: a client without Universal Actions answers
// with Action.Submit only; the log is stored once even when delivered
// twice, and the card is updated.
func TestSubmitFallbackStoresOnce(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	msgs := v.fake.Messages(v.fake.Conversation(uAnn))
	sub := v.activity(teams.TypeMessage, uAnn)
	val := checkIn("", false)
	val["nudge"], val["act"], val["kind"] = id, nudges.ActLog, "checkin"
	sub["value"], sub["replyToId"] = val, msgs[0].ID
	for range 2 {
		if s, _ := v.post(sub); s != 200 {
			t.Fatalf("submit: %d", s)
		}
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs, want 1", n)
	}
	got := v.fake.Messages(v.fake.Conversation(uAnn))
	if len(got) != 1 || got[0].Updates == 0 || !strings.Contains(jsonText(card(t, got[0])), "✅") {
		t.Fatal("the card was not updated in place")
	}
}

// TestInvalidInputShownOnCard: a form with mistakes stores nothing and
// comes back with the problems beside the fields and the answers kept.
func TestInvalidInputShownOnCard(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	in := checkIn("", false)
	in[nudges.FieldMinutes] = "ten"
	c := v.invokeCard(v.execute(uAnn, id, nudges.ActLog, in))
	s := jsonText(c)
	if !strings.Contains(s, "a whole number of minutes") || !strings.Contains(s, "asked for feedback") || !strings.Contains(s, "Action.Execute") {
		t.Fatalf("the card does not show the problem with the answers kept: %s", s)
	}
	if n := len(v.logs()); n != 0 {
		t.Fatalf("an invalid form stored %d logs", n)
	}
	// Corrected, it is stored.
	v.invokeCard(v.execute(uAnn, id, nudges.ActLog, checkIn("", false)))
	if n := len(v.logs()); n != 1 {
		t.Fatalf("the corrected form stored %d logs, want 1", n)
	}
}

// TestShoutOutReachesChannel: a win the manager chose to share goes, as a
// card, to the team's channel the bot was added to.
func TestShoutOutReachesChannel(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	v.fake.AddChannel(channel1)
	add := v.activity(teams.TypeConversationUpdate, uAnn)
	add["conversation"] = map[string]any{"id": channel1, "conversationType": "channel", "tenantId": tenant}
	add["channelData"] = map[string]any{"tenant": map[string]any{"id": tenant}, "team": map[string]any{"id": channel1, "name": "Team One"}}
	add["membersAdded"] = []any{map[string]any{"id": "28:" + appID}}
	if s, _ := v.post(add); s != 200 {
		t.Fatalf("conversationUpdate: %d", s)
	}
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	c := v.invokeCard(v.execute(uAnn, id, nudges.ActLog, checkIn("Priya led the retro", true)))
	if !strings.Contains(jsonText(c), "shared with Team One") {
		t.Fatalf("the answer does not say the win will be shared: %s", jsonText(c))
	}
	v.flush()
	ch := v.fake.Messages(channel1)
	if len(ch) != 1 {
		t.Fatalf("the channel holds %d messages, want 1", len(ch))
	}
	cc := card(t, ch[0])
	validCard(t, cc)
	if !strings.Contains(jsonText(cc), "Priya led the retro") {
		t.Fatalf("the shout-out lacks the win: %s", jsonText(cc))
	}
}

// TestAdminCommandOnlyForAdmins: a manager's "pause" is refused and
// changes nothing; an L&D admin's is done.
func TestAdminCommandOnlyForAdmins(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	v.install(uLee)
	say := func(from, text string) string {
		a := v.activity(teams.TypeMessage, from)
		a["text"] = "<at>nudgebot</at> " + text
		if s, _ := v.post(a); s != 200 {
			t.Fatalf("message: %d", s)
		}
		msgs := v.fake.Messages(v.fake.Conversation(from))
		if len(msgs) == 0 {
			t.Fatal("no answer")
		}
		return msgs[len(msgs)-1].Text
	}
	if got := say(uAnn, "pause p"); !strings.Contains(got, "for L&D admins") {
		t.Fatalf("a manager's pause was answered %q", got)
	}
	if n := len(v.sendAll()); n == 0 {
		t.Fatal("a refused pause stopped the program's nudges")
	}
	if got := say(uLee, "pause p"); !strings.Contains(got, "Paused Feedback") {
		t.Fatalf("an admin's pause was answered %q", got)
	}
	if got := say(uAnn, "help"); strings.Contains(got, "For L&D admins") {
		t.Fatalf("a manager's help shows admin commands: %q", got)
	}
}

// sendAll queues a check-in for Ann and returns the queued ids (none when
// her program is paused).
func (v *env) sendAll() []string {
	ids, _ := v.e.SendNow(context.Background(), "ann", nudges.KindCheckIn)
	return ids
}

// TestNoteAndStranger: free text is a note on the latest open nudge, once
// even when redelivered; someone not on the roster is told so and nothing
// is stored.
func TestNoteAndStranger(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	a := v.activity(teams.TypeMessage, uAnn)
	a["text"] = "Priya was off sick this week"
	v.post(a)
	v.post(a)
	logs := v.logs()
	if len(logs) != 1 || logs[0].Kind != "note" {
		t.Fatalf("logs after a note delivered twice: %+v", logs)
	}
	v.fake.Install(uStrange)
	s := v.activity(teams.TypeMessage, uStrange)
	s["text"] = "hello"
	v.post(s)
	msgs := v.fake.Messages(v.fake.Conversation(uStrange))
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "couldn't find you") {
		t.Fatalf("a stranger was answered %+v", msgs)
	}
	if len(v.logs()) != 1 {
		t.Fatal("a stranger's message stored a log")
	}
}

// TestHomeCard: opening the chat with the bot, or typing "home", shows the
// manager's week as a card.
func TestHomeCard(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.fake.Install(uAnn)
	open := v.activity(teams.TypeConversationUpdate, uAnn)
	open["membersAdded"] = []any{map[string]any{"id": "28:" + appID}}
	if s, _ := v.post(open); s != 200 {
		t.Fatalf("conversationUpdate: %d", s)
	}
	v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	home := v.activity(teams.TypeMessage, uAnn)
	home["text"] = "home"
	v.post(home)
	msgs := v.fake.Messages(v.fake.Conversation(uAnn))
	if len(msgs) != 3 {
		t.Fatalf("Ann's chat holds %d messages, want home, nudge, home", len(msgs))
	}
	first, last := card(t, msgs[0]), card(t, msgs[2])
	validCard(t, first)
	validCard(t, last)
	if !strings.Contains(jsonText(first), "Your week") || !strings.Contains(jsonText(last), "check-in") || !strings.Contains(jsonText(last), "Team One") {
		t.Fatalf("home cards: %s\n%s", jsonText(first), jsonText(last))
	}
}

// TestOutcomeAndSkipOnCards: an outcome for one learner is stored and the
// card stays open for the others; a skip without a reason is refused on
// the card, with one it closes the nudge.
func TestOutcomeAndSkipOnCards(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	asg := v.sendNow("ann", nudges.KindAssignment)
	ci := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	out := v.execute(uAnn, asg, nudges.ActOutcome, nil)
	out["value"].(map[string]any)["action"].(map[string]any)["data"].(map[string]any)["value"] = "priya|applied"
	c := jsonText(v.invokeCard(out))
	if !strings.Contains(c, "✅") || !strings.Contains(c, "Tom Berg: Applied") || strings.Contains(c, "Priya Shah: Applied") {
		t.Fatalf("after Priya's outcome the card should ask about Tom only: %s", c)
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs after one outcome", n)
	}
	c = jsonText(v.invokeCard(v.execute(uAnn, ci, nudges.ActSkip, nil)))
	if !strings.Contains(c, "say why you skip") {
		t.Fatalf("a skip without a reason: %s", c)
	}
	c = jsonText(v.invokeCard(v.execute(uAnn, ci, nudges.ActSkip, map[string]any{nudges.FieldReason: "on leave"})))
	if !strings.Contains(c, "Skipped for this week") || strings.Contains(c, "Action.Execute") {
		t.Fatalf("a skip with a reason: %s", c)
	}
	if n := len(v.logs()); n != 2 {
		t.Fatalf("%d logs, want 2", n)
	}
}

// TestPledgeByCommand: typing "pledge" brings the pledge form as a card;
// answering it records the pledge once, even when delivered twice.
func TestPledgeByCommand(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	a := v.activity(teams.TypeMessage, uAnn)
	a["text"] = "pledge"
	v.post(a)
	msgs := v.fake.Messages(v.fake.Conversation(uAnn))
	if len(msgs) != 1 {
		t.Fatalf("%d messages after \"pledge\"", len(msgs))
	}
	c := card(t, msgs[0])
	validCard(t, c)
	if !strings.Contains(jsonText(c), `"id":"pledge"`) {
		t.Fatalf("no pledge input: %s", jsonText(c))
	}
	inv := v.execute(uAnn, "", nudges.ActLog, map[string]any{nudges.FieldPledge: "Hold a five-minute check-in with every learner"})
	inv["value"].(map[string]any)["action"].(map[string]any)["data"].(map[string]any)["kind"] = "pledge"
	for range 2 {
		if got := jsonText(v.invokeCard(inv)); !strings.Contains(got, "Pledge recorded") && !strings.Contains(got, "Already recorded") {
			t.Fatalf("the pledge answer: %s", got)
		}
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs, want 1", n)
	}
}
