package slack_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// command types /nudge <text> as user and returns what the bot answered
// through the response_url.
func (v *env) command(tb testing.TB, base, user, text, trigger string) string {
	tb.Helper()
	before := len(v.fake.Calls("response"))
	form := url.Values{
		"token": {"legacy"}, "team_id": {"T0TEST"}, "channel_id": {"C0SOMEWHERE"}, "user_id": {user},
		"command": {"/nudge"}, "text": {text}, "trigger_id": {trigger}, "api_app_id": {"A0TEST"},
		"response_url": {v.fake.srv.GetAPIURL() + "response"},
	}
	if body := v.post(tb, base, "/slack/commands", formType, []byte(form.Encode()), http.StatusOK); len(body) != 0 {
		tb.Errorf("/nudge %s: acknowledgement %s, want an empty one", text, body)
	}
	v.drain()
	calls := v.fake.Calls("response")
	switch len(calls) - before {
	case 0:
		return "" // e.g. a form opened instead
	case 1:
	default:
		tb.Fatalf("/nudge %s: %d answers, want at most 1", text, len(calls)-before)
	}
	s, _ := calls[len(calls)-1].JSON["text"].(string)
	if typ := calls[len(calls)-1].JSON["response_type"]; typ != "ephemeral" {
		tb.Errorf("/nudge %s answered %v, want ephemeral", text, typ)
	}
	return s
}

func (v *env) paused(program string) (paused, set bool) {
	_ = v.st.View(func(tx *store.Tx) error { paused, set = tx.Paused(program); return nil })
	return paused, set
}

func TestCommand_Manager(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	t.Run("Help", func(t *testing.T) {
		got := v.command(t, base, uAnn, "help", "t-help")
		if !strings.Contains(got, "/nudge checkin") || strings.Contains(got, "L&amp;D admins") {
			t.Errorf("help for a manager:\n%s", got)
		}
		if got := v.command(t, base, uLee, "", "t-help2"); !strings.Contains(got, "/nudge send") {
			t.Errorf("help for an admin lacks the admin commands:\n%s", got)
		}
	})
	t.Run("CheckinOpensTheForm", func(t *testing.T) {
		before := len(v.fake.Calls("views.open"))
		if got := v.command(t, base, uAnn, "checkin", "t-checkin"); got != "" {
			t.Errorf("checkin answered %q besides opening the form", got)
		}
		calls := v.fake.Calls("views.open")
		if len(calls) != before+1 {
			t.Fatalf("%d modals opened, want 1", len(calls)-before)
		}
		c := calls[len(calls)-1]
		view, _ := c.JSON["view"].(map[string]any)
		if c.JSON["trigger_id"] != "t-checkin" || view["callback_id"] != nbslack.FormCallbackID {
			t.Errorf("views.open %v, want the check-in form on the command's trigger", c.JSON)
		}
	})
	t.Run("Snooze", func(t *testing.T) {
		if got := v.command(t, base, uAnn, "snooze", "t-snooze0"); !strings.Contains(got, "Nothing is waiting") {
			t.Errorf("snooze with nothing open: %q", got)
		}
		id, p := v.deliver(t, nudges.KindCheckIn)
		got := v.command(t, base, uAnn, "snooze", "t-snooze1")
		if !strings.Contains(got, "Snoozed until") {
			t.Errorf("snooze: %q", got)
		}
		if it := v.item(t, id); it.Answered != "snoozed" {
			t.Errorf("nudge answered %q, want snoozed", it.Answered)
		}
		if len(buttons(checkMessage(t, blocksOf(t, v.updated(t, p))))) != 0 {
			t.Error("the snoozed nudge's message keeps its buttons")
		}
	})
	t.Run("Status", func(t *testing.T) {
		got := v.command(t, base, uAnn, "status", "t-status")
		for _, want := range []string{"Feedback · week 1", "Team One", "first application 0 of 2"} {
			if !strings.Contains(got, want) {
				t.Errorf("status lacks %q:\n%s", want, got)
			}
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		if got := v.command(t, base, uAnn, "dance", "t-dance"); !strings.Contains(got, "don't know") || !strings.Contains(got, "/nudge status") {
			t.Errorf("unknown subcommand: %q", got)
		}
	})
	t.Run("Stranger", func(t *testing.T) {
		if got := v.command(t, base, uStranger, "status", "t-stranger"); !strings.Contains(got, "roster") {
			t.Errorf("a stranger's status: %q", got)
		}
	})
}

func TestCommand_AdminOnly(t *testing.T) {
	var reloads atomic.Int32
	v := newEnv(t, "2026-06-02T09:00:00Z", func(o *nbslack.Options) {
		o.Reload = func(context.Context) error { reloads.Add(1); return nil }
	})
	base := v.serveHTTP()
	count := func(tb testing.TB) int { return len(v.items(tb)) }

	t.Run("RefusedToAManager", func(t *testing.T) {
		before := count(t)
		for _, text := range []string{"send checkin <@" + uLee + "|lee>", "pause p", "resume p", "reload"} {
			got := v.command(t, base, uAnn, text, "t-refused-"+text) // trigger ids are unique per invocation
			if !strings.Contains(got, "for L&amp;D admins") || !strings.Contains(got, "haven't done anything") {
				t.Errorf("/nudge %s by a manager: %q", text, got)
			}
		}
		if count(t) != before {
			t.Error("a refused send queued a nudge")
		}
		if _, set := v.paused("p"); set {
			t.Error("a refused pause touched the program")
		}
		if reloads.Load() != 0 {
			t.Error("a refused reload reloaded")
		}
	})
	t.Run("RefusedToAStranger", func(t *testing.T) {
		before := count(t)
		if got := v.command(t, base, uStranger, "send checkin ann", "t-s1"); !strings.Contains(got, "for L&amp;D admins") {
			t.Errorf("send by a stranger: %q", got)
		}
		if count(t) != before {
			t.Error("a stranger queued a nudge")
		}
	})
	t.Run("SendByRosterAdmin", func(t *testing.T) {
		before := count(t)
		got := v.command(t, base, uLee, "send checkin <@"+uAnn+"|ann>", "t-send")
		if !strings.Contains(got, "Queued a checkin nudge for Ann Lee") {
			t.Errorf("send: %q", got)
		}
		if count(t) != before+1 {
			t.Errorf("%d items queued, want 1", count(t)-before)
		}
		v.flush(t)
		if n := len(v.fake.Messages(dmAnn)); n != 1 {
			t.Errorf("%d messages in Ann's DM, want the one sent", n)
		}
	})
	t.Run("SendByNamedAdmin", func(t *testing.T) {
		// Not on the roster, but named in Options.Admins.
		before := count(t)
		if got := v.command(t, base, uLD, "send pledge ann", "t-send2"); !strings.Contains(got, "Queued a pledge nudge") {
			t.Errorf("send: %q", got)
		}
		if count(t) != before+1 {
			t.Errorf("%d items queued, want 1", count(t)-before)
		}
	})
	t.Run("SendMistakes", func(t *testing.T) {
		before := count(t)
		for text, want := range map[string]string{
			"send":                        "Usage",
			"send dance ann":              "I can send checkin",
			"send checkin <@U0NOBODY>":    "can't find",
			"send checkin nobody@nowhere": "can't find",
		} {
			if got := v.command(t, base, uLee, text, "t-mistake-"+text); !strings.Contains(got, want) {
				t.Errorf("/nudge %s: %q, want %q", text, got, want)
			}
		}
		if count(t) != before {
			t.Error("a mistaken send queued a nudge")
		}
	})
	t.Run("PauseAndResume", func(t *testing.T) {
		if got := v.command(t, base, uLee, "pause p", "t-pause"); !strings.Contains(got, "Paused Feedback") {
			t.Errorf("pause: %q", got)
		}
		if paused, _ := v.paused("p"); !paused {
			t.Error("the program is not paused")
		}
		if got := v.command(t, base, uLee, "resume p", "t-resume"); !strings.Contains(got, "Resumed Feedback") {
			t.Errorf("resume: %q", got)
		}
		if paused, set := v.paused("p"); paused || !set {
			t.Error("the program is not resumed")
		}
		if got := v.command(t, base, uLee, "pause nope", "t-nope"); !strings.Contains(got, "no program") {
			t.Errorf("pause of an unknown program: %q", got)
		}
	})
	t.Run("Reload", func(t *testing.T) {
		if got := v.command(t, base, uLee, "reload", "t-reload"); got != "Configuration reloaded." {
			t.Errorf("reload: %q", got)
		}
		if reloads.Load() != 1 {
			t.Errorf("%d reloads, want 1", reloads.Load())
		}
	})
}

func TestCommand_ReloadFailureKeepsTheOldConfig(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z", func(o *nbslack.Options) {
		o.Reload = func(context.Context) error { return errors.New(`nudgebot.toml:12: unknown key "tokn"`) }
	})
	base := v.serveHTTP()
	got := v.command(t, base, uLee, "reload", "t-reload")
	if !strings.Contains(got, "previous configuration stays in force") || !strings.Contains(got, "tokn") {
		t.Errorf("failed reload: %q", got)
	}
}

// One signed /nudge send, captured and delivered three times inside its
// 5 minutes (the signature still verifies), queues one nudge; the
// deliveries after the first are answered without acting, also after a
// restart.
func TestCommand_ReplayedSendActsOnce(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	form := url.Values{
		"token": {"legacy"}, "team_id": {"T0TEST"}, "channel_id": {"C0SOMEWHERE"}, "user_id": {uLee},
		"command": {"/nudge"}, "text": {"send assignment <@" + uAnn + "|ann>"}, "trigger_id": {"t-replayed"},
		"api_app_id": {"A0TEST"}, "response_url": {v.fake.srv.GetAPIURL() + "response"},
	}
	body := []byte(form.Encode())
	signed := signedNow(body) // the same headers each time: one captured request
	assignments := func() int {
		n := 0
		for _, it := range v.items(t) {
			if it.Kind == nudges.KindAssignment {
				n++
			}
		}
		return n
	}
	at := []string{"2026-06-02T09:00:10Z", "2026-06-02T09:00:20Z", "2026-06-02T09:00:30Z"}
	deliver := func() {
		v.clock.Set(at[0]) // replays come later: a nudge queued again would be a new one
		at = at[1:]
		if resp := v.request(t, base, "/slack/commands", formType, body, signed); resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery answered %d, want 200", resp.StatusCode)
		}
		v.drain()
	}
	for range 2 {
		deliver()
	}
	v.restart(t)
	base = v.serveHTTP()
	deliver()
	if n := assignments(); n != 1 {
		t.Errorf("%d assignment nudges queued, want 1", n)
	}
	var answers []string
	for _, c := range v.fake.Calls("response") {
		s, _ := c.JSON["text"].(string)
		answers = append(answers, s)
	}
	if len(answers) != 3 || !strings.Contains(answers[0], "Queued an assignment nudge for Ann Lee") {
		t.Fatalf("answers %q, want three, the first saying an assignment nudge was queued", answers)
	}
	for _, s := range answers[1:] {
		if !strings.Contains(s, "already handled") {
			t.Errorf("answer to a replay %q, want one saying it was already handled", s)
		}
	}
}
