package slack_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
)

// Slack answers chat.update with 429 (and, on a bad minute, 5xx) like any
// other method: the update waits and goes out, it is not dropped.
func TestUpdate_ShownDespite429And5xx(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	var msgs []posted
	for _, at := range []string{"2026-06-02T09:00:00Z", "2026-06-02T09:01:00Z", "2026-06-02T09:02:00Z"} {
		v.clock.Set(at) // three nudges, three ids
		_, p := v.deliver(t, nudges.KindCheckIn)
		msgs = append(msgs, p)
	}
	v.fake.failNext("chat.update", 1, rateLimited("1"))
	v.fake.failNext("chat.update", 1, serverError)
	v.fake.failNext("chat.update", 1, unavailable)
	for i, p := range msgs {
		b := button(t, p, nudges.ActUseful, "")
		v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, b, "t"+p.TS, fmt.Sprintf("1780390001.%06d", i))), http.StatusOK)
	}
	v.drain()
	for _, p := range msgs {
		if m := v.updated(t, p); !strings.Contains(string(m.Blocks), "Thanks for the feedback") {
			t.Errorf("message %s shows %s, want the rating acknowledged", p.TS, m.Blocks)
		}
	}
	if n := len(v.logsOfKind(t, "rating")); n != 3 {
		t.Errorf("%d ratings stored, want 3", n)
	}
}

// While an update of a message waits (here on a 429), a newer answer
// replaces the state it carries: the retry sends the newest state, and
// the older one is never sent after it.
func TestUpdate_NewerStateReplacesOlder(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	_, p := v.deliver(t, nudges.KindAssignment)
	arrived, release := make(chan struct{}), make(chan struct{})
	v.fake.failNext("chat.update", 1, func(w http.ResponseWriter) {
		close(arrived)
		<-release
		rateLimited("1")(w)
	})
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActOutcome, "priya|"+nudges.Applied), "t1", "1780390001.000001")), http.StatusOK)
	<-arrived // Priya's state is on its way, and will be refused
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActOutcome, "tom|"+nudges.Applied), "t2", "1780390002.000001")), http.StatusOK)
	nbslack.DrainInbound(v.a) // Tom's state is queued behind it
	close(release)
	v.drain()

	var sent []string
	for _, c := range v.fake.Calls("chat.update") {
		if c.Status == http.StatusOK {
			sent = append(sent, c.Form.Get("blocks"))
		}
	}
	if len(sent) != 1 || !strings.Contains(sent[0], "Recorded for Tom Berg") {
		t.Fatalf("updates sent %q, want one: the newest state (Tom's)", sent)
	}
	m := v.updated(t, p)
	if bs := buttons(checkMessage(t, blocksOf(t, m))); len(bs) != 0 {
		t.Errorf("every learner applied, yet the message still has buttons %v", bs)
	}
	if n := len(v.logsOfKind(t, string(nudges.KindAssignment))); n != 2 {
		t.Errorf("%d outcomes stored, want 2", n)
	}
}

// Slack saying no for good (the message was deleted) ends the update:
// one call, no retry, and nothing is left waiting.
func TestUpdate_GivesUpOnPermanentError(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	_, p := v.deliver(t, nudges.KindCheckIn)
	v.fake.failNext("chat.update", 1, slackError("message_not_found"))
	v.post(t, base, "/slack/interactions", formType, interactionForm(t, click(uAnn, p, button(t, p, nudges.ActUseful, ""), "t1", "1780390001.000001")), http.StatusOK)
	v.drain()
	if n := len(v.fake.Calls("chat.update")); n != 1 {
		t.Errorf("%d chat.update calls, want 1", n)
	}
	if n := len(v.logsOfKind(t, "rating")); n != 1 {
		t.Errorf("%d ratings stored, want 1: the answer stands", n)
	}
}

// A click's answer shows through the click's response_url (replace the
// original message), which Slack does not count against chat.update's
// tier of 50 a minute; only when that is refused does chat.update carry it.
func TestUpdate_ThroughTheClicksResponseURL(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refuse  bool
		updates int // chat.update calls
	}{{"Taken", false, 0}, {"RefusedFallsBackToChatUpdate", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, "2026-06-02T09:00:00Z")
			base := v.serveHTTP()
			_, p := v.deliver(t, nudges.KindCheckIn)
			if tc.refuse {
				v.fake.failNext("response", 1, serverError)
			}
			payload := click(uAnn, p, button(t, p, nudges.ActUseful, ""), "t1", "1780390001.000001")
			payload["response_url"] = v.fake.srv.GetAPIURL() + "response"
			v.post(t, base, "/slack/interactions", formType, interactionForm(t, payload), http.StatusOK)
			v.drain()
			hooks := v.fake.Calls("response")
			if len(hooks) != 1 || hooks[0].JSON["replace_original"] != true || !strings.Contains(fmt.Sprint(hooks[0].JSON["blocks"]), "Thanks for the feedback") {
				t.Fatalf("response_url calls %+v, want one replacing the message with the acknowledgement", hooks)
			}
			if n := len(v.fake.Calls("chat.update")); n != tc.updates {
				t.Errorf("%d chat.update calls, want %d", n, tc.updates)
			}
		})
	}
}
