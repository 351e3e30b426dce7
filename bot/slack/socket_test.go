package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
)

// runSocket runs the adapter in Socket Mode against slacktest's /ws
// endpoint until the test ends. The channel is closed when Run returns,
// with its result.
func (v *env) runSocket() (<-chan struct{}, *error) {
	v.t.Helper()
	nbslack.SetPingInterval(v.a, time.Hour) // slacktest never pings
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		err = v.a.Run(ctx, v.e)
	}()
	v.t.Cleanup(func() {
		cancel()
		<-done
	})
	return done, &err
}

func socketMode(o *nbslack.Options) { o.Mode = nbslack.ModeSocket }

// commandPayload is a slash command as Socket Mode carries it.
func (v *env) commandPayload(user, text, trigger string) map[string]any {
	return map[string]any{"token": "legacy", "team_id": "T0TEST", "channel_id": "C0SOMEWHERE", "user_id": user,
		"command": "/nudge", "text": text, "trigger_id": trigger, "api_app_id": "A0TEST",
		"response_url": v.fake.srv.GetAPIURL() + "response"}
}

func TestSocket_EndToEnd(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z", socketMode)
	v.runSocket()
	_, p := v.deliver(t, nudges.KindCheckIn)
	f := v.fake

	t.Run("ButtonOpensTheForm", func(t *testing.T) {
		f.envelope(t, "interactive", "env-click", click(uAnn, p, button(t, p, nudges.ActLog, ""), "trig-1", "1780390001.000001"))
		if ack := f.waitAck(t, "env-click"); ack.JSON["payload"] != nil {
			t.Errorf("click acknowledged with payload %v, want none", ack.JSON["payload"])
		}
		if c := f.waitFor(t, "views.open", 1)[0]; c.JSON["trigger_id"] != "trig-1" {
			t.Errorf("modal opened with trigger %v", c.JSON["trigger_id"])
		}
	})
	opened := f.Calls("views.open")[0]

	t.Run("InvalidSubmissionErrorsRideInTheAck", func(t *testing.T) {
		f.envelope(t, "interactive", "env-bad", submit(uAnn, "V9", "h0", opened, checkIn("priya", "0", "2026-06-09", "", false)))
		ack := f.waitAck(t, "env-bad")
		payload, _ := ack.JSON["payload"].(map[string]any)
		errs, _ := payload["errors"].(map[string]any)
		if payload["response_action"] != "errors" || errs[nudges.FieldMinutes] == nil {
			t.Fatalf("acknowledgement %v, want an error under minutes", ack.JSON)
		}
	})

	t.Run("SubmissionDeliveredTwiceIsStoredOnce", func(t *testing.T) {
		sub := submit(uAnn, "V9", "h1", opened, checkIn("priya", "15", "2026-06-09", "Priya ran the retro herself", true))
		f.envelope(t, "interactive", "env-sub", sub)
		f.envelope(t, "interactive", "env-sub-again", sub) // Slack redelivers a late ack
		for _, id := range []string{"env-sub", "env-sub-again"} {
			if ack := f.waitAck(t, id); ack.JSON["payload"] != nil {
				t.Errorf("%s acknowledged with %v, want an empty ack (closes the modal)", id, ack.JSON["payload"])
			}
		}
		v.drain()
		logs := v.logsOfKind(t, "checkin")
		if len(logs) != 1 || logs[0].Answers[nudges.FieldShare] != "yes" {
			t.Fatalf("check-in logs %+v, want one, shared", logs)
		}
		if bs := buttons(checkMessage(t, blocksOf(t, v.updated(t, p)))); len(bs) != 0 {
			t.Errorf("the DM keeps its buttons %v", bs)
		}
	})

	t.Run("ConfirmedWinIsShoutedOut", func(t *testing.T) {
		v.flush(t)
		posts := f.Messages("C0TEAM1")
		if len(posts) != 1 || !strings.Contains(string(posts[0].Blocks), "Priya ran the retro herself") {
			t.Fatalf("team channel %+v, want the shout-out", posts)
		}
		if len(buttons(checkMessage(t, blocksOf(t, posts[0])))) != 0 {
			t.Error("the shout-out has buttons")
		}
	})

	t.Run("HomeTabPublished", func(t *testing.T) {
		f.envelope(t, "events_api", "env-home", json.RawMessage(eventCallback(t, "Ev40", map[string]any{
			"type": "app_home_opened", "user": uAnn, "channel": dmAnn, "tab": "home", "event_ts": "1780390000.000300"})))
		f.waitAck(t, "env-home")
		c := f.waitFor(t, "views.publish", 1)[0]
		if c.JSON["user_id"] != uAnn {
			t.Errorf("Home tab published for %v", c.JSON["user_id"])
		}
		if raw, _ := json.Marshal(c.JSON["view"]); !strings.Contains(string(raw), "Priya ran the retro herself") {
			t.Errorf("Home tab lacks the week's win: %s", raw)
		}
	})

	t.Run("AdminCommandRefusedToAManager", func(t *testing.T) {
		before := len(v.items(t))
		f.envelope(t, "slash_commands", "env-cmd", v.commandPayload(uAnn, "send checkin <@"+uAnn+">", "trig-cmd"))
		f.waitAck(t, "env-cmd")
		v.drain()
		answers := f.Calls("response")
		if len(answers) != 1 || !strings.Contains(answers[0].JSON["text"].(string), "admins") {
			t.Fatalf("answers %v, want a refusal", answers)
		}
		if n := len(v.items(t)); n != before {
			t.Errorf("%d items queued by a refused command", n-before)
		}
	})

	t.Run("UnknownEnvelopeIsAcknowledged", func(t *testing.T) {
		// An event type slack-go cannot parse: acknowledged anyway, so
		// Slack does not redeliver it.
		f.envelope(t, "events_api", "env-odd", json.RawMessage(eventCallback(t, "Ev41", map[string]any{"type": "some_future_event"})))
		f.waitAck(t, "env-odd")
	})
}

func TestSocket_ReconnectsAfterTransientFailure(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z", socketMode)
	v.fake.failNext("apps.connections.open", 1, unavailable)
	v.fake.failNext("apps.connections.open", 1, serverError)
	v.runSocket()
	// envelope waits for the connection the third attempt opens.
	v.fake.envelope(t, "events_api", "env-note", json.RawMessage(messageEvent(t, "Ev50", uAnn, dmAnn, "still here", nil)))
	v.fake.waitAck(t, "env-note")
	v.drain()
	if n := len(v.logsOfKind(t, "note")); n != 1 {
		t.Errorf("%d notes after reconnecting, want 1", n)
	}
	if n := len(v.fake.Calls("ws.connect")); n != 1 {
		t.Errorf("%d Socket Mode connections, want 1", n)
	}
	if n := len(v.fake.Calls("apps.connections.open")); n != 3 {
		t.Errorf("%d connection attempts, want 3", n)
	}
}

func TestSocket_RefusedTokenEndsRun(t *testing.T) {
	for _, tc := range []struct{ name, code string }{
		{"InvalidAuth", "invalid_auth"},                  // slack-go gives up by itself
		{"BotTokenAsAppToken", "not_allowed_token_type"}, // slack-go would retry forever
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, "2026-06-02T09:00:00Z", socketMode)
			v.fake.failNext("apps.connections.open", 100, slackError(tc.code))
			done, errp := v.runSocket()
			select {
			case <-done:
				err := *errp
				if err == nil || !strings.Contains(err.Error(), tc.code) || !strings.Contains(err.Error(), "app-level token") {
					t.Fatalf("Run = %v, want an error naming %s and the app-level token", err, tc.code)
				}
				if strings.Contains(err.Error(), appToken) {
					t.Errorf("error %q contains the token", err)
				}
			case <-time.After(10 * time.Second): // a hang, not a timing assertion
				t.Fatal("Run kept going with a refused token")
			}
		})
	}
}
