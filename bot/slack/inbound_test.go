package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// deliver queues a nudge of kind for Ann, delivers it and returns its id
// and its message in Ann's DM.
func (v *env) deliver(tb testing.TB, kind nudges.Kind) (string, posted) {
	tb.Helper()
	id := v.sendNow(tb, "ann", kind)
	v.flush(tb)
	for _, p := range v.fake.Messages(dmAnn) {
		if nudgeIDOf(p) == id {
			return id, p
		}
	}
	tb.Fatalf("nudge %s not delivered (%s)", id, v.item(tb, id).Reason)
	return "", posted{}
}

// button finds the button of a posted message doing act (and, for
// outcomes, whose argument is arg).
func button(t *testing.T, p posted, act, arg string) jsonButton {
	t.Helper()
	for _, b := range buttons(asJSON(t, blocksOf(t, p))) {
		if _, a, g, ok := nbslack.ParseAction(b.actionID, b.value); ok && a == act && (arg == "" || g == arg) {
			return b
		}
	}
	t.Fatalf("no %s %s button in %s", act, arg, p.Blocks)
	return jsonButton{}
}

// click is a block_actions payload for a button of a message, as Slack
// posts it when user clicks.
func click(user string, p posted, b jsonButton, trigger, actionTS string) map[string]any {
	return map[string]any{
		"type": "block_actions", "api_app_id": "A0TEST", "trigger_id": trigger,
		"user":      map[string]any{"id": user, "username": "someone", "team_id": "T0TEST"},
		"team":      map[string]any{"id": "T0TEST", "domain": "test"},
		"container": map[string]any{"type": "message", "message_ts": p.TS, "channel_id": p.Channel, "is_ephemeral": false},
		"channel":   map[string]any{"id": p.Channel, "name": "directmessage"},
		"message":   map[string]any{"type": "message", "ts": p.TS, "text": p.Text, "blocks": json.RawMessage(p.Blocks)},
		"actions": []any{map[string]any{"type": "button", "action_id": b.actionID, "block_id": "actions-0", "value": b.value,
			"action_ts": actionTS, "text": map[string]any{"type": "plain_text", "text": b.text}}},
	}
}

// submit is a view_submission payload for the modal opened by a
// views.open call, with the inputs' state.
func submit(user, viewID, hash string, opened call, values map[string]map[string]any) map[string]any {
	view := map[string]any{}
	for k, v := range opened.JSON["view"].(map[string]any) {
		view[k] = v
	}
	view["id"], view["hash"], view["team_id"] = viewID, hash, "T0TEST"
	view["state"] = map[string]any{"values": values}
	return map[string]any{"type": "view_submission", "api_app_id": "A0TEST", "trigger_id": "t-submit",
		"user": map[string]any{"id": user, "username": "someone", "team_id": "T0TEST"}, "view": view}
}

func textValue(s string) map[string]any {
	return map[string]any{"type": "plain_text_input", "value": s}
}

// checkIn is the state of a filled-in check-in modal.
func checkIn(member, minutes, review, win string, share bool) map[string]map[string]any {
	var opts []any
	if share {
		opts = []any{map[string]any{"value": "yes", "text": map[string]any{"type": "plain_text", "text": "Yes"}}}
	}
	return map[string]map[string]any{
		nudges.FieldMember:  {nudges.FieldMember: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": member, "text": map[string]any{"type": "plain_text", "text": member}}}},
		nudges.FieldTried:   {nudges.FieldTried: textValue("the opening line")},
		nudges.FieldChanged: {nudges.FieldChanged: textValue("calmer 1:1s")},
		nudges.FieldMinutes: {nudges.FieldMinutes: map[string]any{"type": "number_input", "value": minutes}},
		nudges.FieldNext:    {nudges.FieldNext: textValue("Try it in the team meeting")},
		nudges.FieldReview:  {nudges.FieldReview: map[string]any{"type": "datepicker", "selected_date": review}},
		nudges.FieldWin:     {nudges.FieldWin: textValue(win)},
		nudges.FieldShare:   {nudges.FieldShare: map[string]any{"type": "checkboxes", "selected_options": opts}},
	}
}

// updated returns the message as last updated, failing if it never was.
func (v *env) updated(tb testing.TB, p posted) posted {
	tb.Helper()
	for _, m := range v.fake.Messages(p.Channel) {
		if m.TS == p.TS {
			if m.Updates == 0 {
				tb.Fatalf("message %s/%s was not updated", p.Channel, p.TS)
			}
			return m
		}
	}
	tb.Fatalf("message %s/%s is gone", p.Channel, p.TS)
	return posted{}
}

// logsOfKind lists the stored logs of a kind.
func (v *env) logsOfKind(tb testing.TB, kind string) []store.Log {
	var out []store.Log
	for _, l := range v.logs(tb) {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

func TestInbound_SnoozeButton_DoubleClickStoresOnce(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	id, p := v.deliver(t, nudges.KindCheckIn)
	b := button(t, p, nudges.ActSnooze, "")
	// Two clicks: two payloads with their own trigger and action_ts.
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t1", "1780390001.000001")), http.StatusOK)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t2", "1780390001.500002")), http.StatusOK)
	v.drain()
	if n := len(v.logsOfKind(t, "snooze")); n != 1 {
		t.Fatalf("%d snooze logs, want 1", n)
	}
	if it := v.item(t, id); it.Answered != "snoozed" {
		t.Errorf("nudge answered %q, want snoozed", it.Answered)
	}
	m := v.updated(t, p)
	doc := checkMessage(t, blocksOf(t, m))
	if bs := buttons(doc); len(bs) != 0 {
		t.Errorf("snoozed nudge still has buttons %v", bs)
	}
	if !strings.Contains(string(m.Blocks), "Snoozed until") {
		t.Errorf("message does not say until when: %s", m.Blocks)
	}
	if nudgeIDOf(m) != id {
		t.Errorf("the update lost the nudge id (metadata %v)", m.Metadata)
	}
	if m.Updates != 1 {
		t.Errorf("message updated %d times, want once", m.Updates)
	}
}

func TestInbound_LogCheckIn(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	id, p := v.deliver(t, nudges.KindCheckIn)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActLog, ""), "trig-log", "1780390001.000001")), http.StatusOK)
	opened := v.fake.waitFor(t, "views.open", 1)[0]
	if opened.JSON["trigger_id"] != "trig-log" {
		t.Fatalf("views.open with trigger %v, want the click's", opened.JSON["trigger_id"])
	}
	var modal slack.ModalViewRequest
	raw, _ := json.Marshal(opened.JSON["view"])
	if err := json.Unmarshal(raw, &modal); err != nil {
		t.Fatal(err)
	}
	checkModal(t, modal)

	t.Run("InvalidShowsErrorsInline", func(t *testing.T) {
		body := v.post(t, base, "/slack/interactions", formType,
			interactionForm(t, submit(uAnn, "V1", "h1", opened, checkIn("nobody", "0", "2026-05-01", "", true))), http.StatusOK)
		var resp struct {
			Action string            `json:"response_action"`
			Errors map[string]string `json:"errors"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.Action != "errors" {
			t.Fatalf("answer %s, want response_action errors", body)
		}
		for _, f := range []string{nudges.FieldMember, nudges.FieldMinutes, nudges.FieldReview, nudges.FieldShare} {
			if resp.Errors[f] == "" {
				t.Errorf("no error under %s: %v", f, resp.Errors)
			}
		}
		v.drain()
		if n := len(v.logs(t)); n != 0 {
			t.Errorf("%d logs stored from an invalid form", n)
		}
	})
	t.Run("SubmittedTwiceStoredOnce", func(t *testing.T) {
		form := interactionForm(t, submit(uAnn, "V1", "h2", opened, checkIn("priya", "10", "2026-06-09", "", false)))
		for range 2 {
			if body := v.post(t, base, "/slack/interactions", formType, form, http.StatusOK); len(body) != 0 {
				t.Errorf("answer %s, want an empty one (closes the modal)", body)
			}
		}
		v.drain()
		logs := v.logsOfKind(t, "checkin")
		if len(logs) != 1 || logs[0].Learner != "priya" || logs[0].Nudge != id {
			t.Fatalf("check-in logs %+v, want one for priya on the nudge", logs)
		}
		m := v.updated(t, p)
		doc := checkMessage(t, blocksOf(t, m))
		if bs := buttons(doc); len(bs) != 0 {
			t.Errorf("logged nudge still has buttons %v", bs)
		}
		if !strings.Contains(string(m.Blocks), "Check-in with Priya Shah logged") {
			t.Errorf("message does not confirm the log: %s", m.Blocks)
		}
		// The nudge is answered: its button no longer opens a form.
		v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActLog, ""), "trig-again", "1780390009.000001")), http.StatusOK)
		v.drain()
		if n := len(v.fake.Calls("views.open")); n != 1 {
			t.Errorf("views.open called %d times, want 1", n)
		}
		eph := v.fake.Calls("chat.postEphemeral")
		if len(eph) != 1 || !strings.Contains(eph[0].Form.Get("text"), "already answered") {
			t.Errorf("ephemeral answers %v, want one saying it is answered", eph)
		}
	})
}

func TestInbound_SkipAsksWhy(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	id, p := v.deliver(t, nudges.KindCheckIn)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActSkip, ""), "trig-skip", "1780390001.000001")), http.StatusOK)
	opened := v.fake.waitFor(t, "views.open", 1)[0]
	if cb := opened.JSON["view"].(map[string]any)["callback_id"]; cb != nbslack.SkipCallbackID {
		t.Fatalf("modal %v, want the skip modal", cb)
	}
	body := v.post(t, base, "/slack/interactions", formType, interactionForm(t, submit(uAnn, "V2", "h1", opened,
		map[string]map[string]any{nudges.FieldReason: {nudges.FieldReason: textValue("  ")}})), http.StatusOK)
	if !strings.Contains(string(body), `"reason"`) {
		t.Fatalf("blank reason: answer %s, want an error under reason", body)
	}
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, submit(uAnn, "V2", "h2", opened,
		map[string]map[string]any{nudges.FieldReason: {nudges.FieldReason: textValue("Release week")}})), http.StatusOK)
	v.drain()
	logs := v.logsOfKind(t, "skip")
	if len(logs) != 1 || logs[0].Answers[nudges.FieldReason] != "Release week" {
		t.Fatalf("skip logs %+v, want one with the reason", logs)
	}
	if it := v.item(t, id); it.Answered != "skipped" {
		t.Errorf("nudge answered %q, want skipped", it.Answered)
	}
	if bs := buttons(checkMessage(t, blocksOf(t, v.updated(t, p)))); len(bs) != 0 {
		t.Errorf("skipped nudge still has buttons %v", bs)
	}
}

func TestInbound_OutcomeButtons(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	_, p := v.deliver(t, nudges.KindAssignment)
	b := button(t, p, nudges.ActOutcome, "priya|"+nudges.Applied)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t1", "1780390001.000001")), http.StatusOK)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t2", "1780390001.400001")), http.StatusOK)
	v.drain()
	logs := v.logsOfKind(t, string(nudges.KindAssignment))
	if len(logs) != 1 || logs[0].Learner != "priya" || logs[0].Answers[nudges.FieldOutcome] != nudges.Applied {
		t.Fatalf("outcome logs %+v, want one: priya applied", logs)
	}
	// Tom is still to be observed: his buttons stay, Priya's go, and the
	// message says what was recorded.
	m := v.updated(t, p)
	var learners []string
	for _, b := range buttons(checkMessage(t, blocksOf(t, m))) {
		if _, act, arg, _ := nbslack.ParseAction(b.actionID, b.value); act == nudges.ActOutcome {
			learner, _, _ := strings.Cut(arg, "|")
			learners = append(learners, learner)
		}
	}
	if contains(learners, "priya") || !contains(learners, "tom") {
		t.Errorf("outcome buttons for %v, want Tom's only", learners)
	}
	if !strings.Contains(string(m.Blocks), "first application") {
		t.Errorf("message does not confirm the first application: %s", m.Blocks)
	}
}

func TestInbound_DirectMessageIsANote(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	id, _ := v.deliver(t, nudges.KindCheckIn)
	note := messageEvent(t, "Ev10", uAnn, dmAnn, "Priya ran the retro herself today", nil)
	v.post(t, base, "/slack/events", jsonType, note, http.StatusOK)
	// Slack redelivers when it thinks the first delivery was not acknowledged.
	resp := v.request(t, base, "/slack/events", jsonType, note, func(h http.Header) {
		signedNow(note)(h)
		h.Set("X-Slack-Retry-Num", "1")
		h.Set("X-Slack-Retry-Reason", "http_timeout")
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("redelivery: %d", resp.StatusCode)
	}
	// Neither the bot's own messages nor edits are notes.
	v.post(t, base, "/slack/events", jsonType, messageEvent(t, "Ev11", "", dmAnn, "Noted.", func(ev map[string]any) { ev["bot_id"] = "B0BOT"; ev["subtype"] = "bot_message" }), http.StatusOK)
	v.post(t, base, "/slack/events", jsonType, messageEvent(t, "Ev12", uAnn, dmAnn, "", func(ev map[string]any) {
		ev["subtype"] = "message_changed"
		ev["message"] = map[string]any{"type": "message", "user": uAnn, "text": "edited", "ts": "1780390000.000100"}
	}), http.StatusOK)
	v.drain()
	logs := v.logsOfKind(t, "note")
	if len(logs) != 1 || logs[0].Nudge != id || logs[0].Answers[nudges.FieldNote] != "Priya ran the retro herself today" {
		t.Fatalf("notes %+v, want one on the latest nudge", logs)
	}
	var replies []string
	for _, m := range v.fake.Messages(dmAnn) {
		if m.Metadata == nil {
			replies = append(replies, m.Text)
		}
	}
	if len(replies) != 1 || replies[0] != "Noted." {
		t.Errorf("bot replied %q, want one Noted.", replies)
	}
}

func TestInbound_UnknownUserChangesNothing(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	_, p := v.deliver(t, nudges.KindCheckIn)
	const dmStranger = "D0STRANGER"
	v.post(t, base, "/slack/events", jsonType, messageEvent(t, "Ev20", uStranger, dmStranger, "hello?", nil), http.StatusOK)
	// A click on someone else's nudge (a forwarded or forged payload).
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uStranger, p, button(t, p, nudges.ActSnooze, ""), "t1", "1780390001.000001")), http.StatusOK)
	v.drain()
	if n := len(v.logs(t)); n != 0 {
		t.Errorf("%d logs stored for a stranger", n)
	}
	if _, ok := v.e.Identity("slack-manager", uStranger); ok {
		t.Error("the stranger was cached as a manager")
	}
	msgs := v.fake.Messages(dmStranger)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "roster") {
		t.Errorf("answer to the stranger %v, want one saying they are not on the roster", msgs)
	}
	eph := v.fake.Calls("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("user") != uStranger || !strings.Contains(eph[0].Form.Get("text"), "roster") {
		t.Errorf("ephemeral answers %v, want one to the stranger", eph)
	}
	if n := len(v.fake.Calls("chat.update")); n != 0 {
		t.Errorf("Ann's nudge was updated %d times by a stranger's click", n)
	}
}

func TestInbound_HomeTab(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	v.deliver(t, nudges.KindCheckIn)
	opened := func(user, eventID string) map[string]any {
		v.post(t, base, "/slack/events", jsonType, eventCallback(t, eventID, map[string]any{
			"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1780390000.000200"}), http.StatusOK)
		v.drain()
		calls := v.fake.Calls("views.publish")
		c := calls[len(calls)-1]
		if c.JSON["user_id"] != user {
			t.Fatalf("published for %v, want %s", c.JSON["user_id"], user)
		}
		return c.JSON["view"].(map[string]any)
	}
	view := opened(uAnn, "Ev30")
	var home slack.HomeTabViewRequest
	raw, _ := json.Marshal(view)
	if err := json.Unmarshal(raw, &home); err != nil {
		t.Fatal(err)
	}
	checkHome(t, home)
	if !strings.Contains(string(raw), "Team One") || len(buttons(asJSON(t, home))) != 1 {
		t.Errorf("Ann's Home tab lacks her team or her open nudge: %s", raw)
	}
	if s := fmt.Sprint(opened(uStranger, "Ev31")); !strings.Contains(s, "roster") {
		t.Errorf("a stranger's Home tab %s does not explain", s)
	}
	if n := len(v.logs(t)); n != 0 {
		t.Errorf("opening the Home tab stored %d logs", n)
	}
}

func TestInbound_RatingKeepsTheNudgeOpen(t *testing.T) {
	var acks []string
	v := newEnv(t, "2026-06-02T09:00:00Z", func(o *nbslack.Options) {
		// Called from the request's goroutine before the response is
		// written, so reading it after the response is safe.
		o.OnAck = func(kind string, _ time.Duration) { acks = append(acks, kind) }
	})
	base := v.serveHTTP()
	id, p := v.deliver(t, nudges.KindCheckIn)
	b := button(t, p, nudges.ActUseful, "")
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t1", "1780390001.000001")), http.StatusOK)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t2", "1780390002.000001")), http.StatusOK)
	v.drain()
	logs := v.logsOfKind(t, "rating")
	if len(logs) != 1 || logs[0].Answers["rating"] != nudges.ActUseful {
		t.Fatalf("ratings %+v, want one useful", logs)
	}
	if it := v.item(t, id); it.Answered != "" {
		t.Errorf("rating closed the nudge (%q): it still waits for its check-in", it.Answered)
	}
	m := v.updated(t, p)
	var acts []string
	for _, b := range buttons(checkMessage(t, blocksOf(t, m))) {
		_, act, _, _ := nbslack.ParseAction(b.actionID, b.value)
		acts = append(acts, act)
	}
	if !contains(acts, nudges.ActLog) {
		t.Errorf("after rating the buttons are %v; the nudge can no longer be logged", acts)
	}
	if !strings.Contains(string(m.Blocks), "Thanks for the feedback") {
		t.Errorf("the message does not acknowledge the rating: %s", m.Blocks)
	}
	if len(acks) != 2 || acks[0] != "action" {
		t.Errorf("acknowledgements reported %v, want two actions", acks)
	}
}

// An acknowledged click is a stored click: the reply is durable before
// Slack hears back, so a crash right after the ack loses nothing.
func TestInbound_ClickStoredBeforeAck(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	id, p := v.deliver(t, nudges.KindCheckIn)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActUseful, ""), "t1", "1780390001.000001")), http.StatusOK)
	// No drain: only what happened before the response counts.
	if n := len(v.logsOfKind(t, "rating")); n != 1 {
		t.Fatalf("%d ratings stored when the ack came back, want 1", n)
	}
	v.drain()
	if it := v.item(t, id); it.Answered != "" {
		t.Errorf("a rating closed the nudge: %+v", it)
	}
}

// After Priya's outcome is recorded the message is redrawn without her
// buttons, so Tom's buttons move into the places hers had. His answer is
// another answer all the same, and stored; clicking it twice is still one.
func TestInbound_OutcomeAfterRedrawIsStored(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	_, p := v.deliver(t, nudges.KindAssignment)
	priya := button(t, p, nudges.ActOutcome, "priya|"+nudges.Applied)
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, priya, "t1", "1780390001.000001")), http.StatusOK)
	v.drain()
	redrawn := v.updated(t, p)
	tom := button(t, redrawn, nudges.ActOutcome, "tom|"+nudges.Applied)
	for i, ts := range []string{"1780390005.000001", "1780390005.300001"} {
		v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, redrawn, tom, fmt.Sprintf("t%d", i+2), ts)), http.StatusOK)
	}
	v.drain()
	got := map[string]int{}
	for _, l := range v.logsOfKind(t, string(nudges.KindAssignment)) {
		got[l.Learner+" "+l.Answers[nudges.FieldOutcome]]++
	}
	want := map[string]int{"priya " + nudges.Applied: 1, "tom " + nudges.Applied: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outcomes stored %v, want %v", got, want)
	}
}
