package slack_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// nudgeIDOf is the nudge id a posted message carries in its metadata.
func nudgeIDOf(p posted) string {
	if p.Metadata == nil || p.Metadata.EventType != "nudgebot_nudge" {
		return ""
	}
	return fmt.Sprint(p.Metadata.EventPayload["nudge_id"])
}

// countForm counts the calls whose form has key=value.
func countForm(calls []call, key, value string) int {
	n := 0
	for _, c := range calls {
		if c.Form.Get(key) == value {
			n++
		}
	}
	return n
}

// postsOf counts the messages in channel carrying nudge's id.
func postsOf(f *fakeSlack, channel, nudge string) int {
	n := 0
	for _, p := range f.Messages(channel) {
		if nudgeIDOf(p) == nudge {
			n++
		}
	}
	return n
}

func TestSend_DueNudgeArrivesAsDM(t *testing.T) {
	v := newEnv(t, "2026-06-01T08:00:00Z") // Monday 09:00 in London
	v.clock.Set("2026-06-01T08:30:00Z")    // 09:30: the weekly check-in is due
	v.flush(t)

	var it store.Item
	for _, x := range v.items(t) {
		if x.Manager == "ann" && x.Kind == nudges.KindCheckIn {
			it = x
		}
	}
	if it.State != store.Sent {
		t.Fatalf("check-in item %+v, want sent", it)
	}
	msgs := v.fake.Messages(dmAnn)
	if len(msgs) != 1 {
		t.Fatalf("%d messages in Ann's DM, want 1", len(msgs))
	}
	m := msgs[0]
	if it.Ref != dmAnn+"/"+m.TS {
		t.Errorf("item ref %q, want %q", it.Ref, dmAnn+"/"+m.TS)
	}
	if got := nudgeIDOf(m); got != it.ID {
		t.Errorf("message metadata names nudge %q, want %q", got, it.ID)
	}
	if !strings.Contains(m.Text, "check-in") {
		t.Errorf("notification text %q does not say what it is about", m.Text)
	}
	doc := checkMessage(t, blocksOf(t, m))
	var acts []string
	for _, b := range buttons(doc) {
		nudge, act, _, ok := nbslack.ParseAction(b.actionID, b.value)
		if !ok || nudge != it.ID {
			t.Errorf("button %+v does not route to the nudge", b)
		}
		acts = append(acts, act)
	}
	if !contains(acts, nudges.ActLog) || !contains(acts, nudges.ActSnooze) {
		t.Errorf("buttons %v lack log or snooze", acts)
	}
	// Ann was found by her roster email in the workspace's user list, once,
	// and posted to by user id (Slack answers with the DM channel): the next
	// nudge, even after a restart, goes straight to her DM.
	v.restart(t)
	v.sendNow(t, "ann", nudges.KindPledge)
	v.flush(t)
	if n := len(v.fake.Messages(dmAnn)); n != 2 {
		t.Fatalf("%d messages in Ann's DM, want 2", n)
	}
	if n := len(v.fake.Calls("users.list")); n != 1 {
		t.Errorf("the user list was read %d times, want 1 (cached)", n)
	}
	if n := len(v.fake.Calls("users.lookupByEmail")); n != 0 {
		t.Errorf("%d single lookups by email, want 0 (the list found everyone)", n)
	}
	if n := len(v.fake.Calls("conversations.open")); n != 0 {
		t.Errorf("conversations.open called %d times, want 0 (posts go to the user id)", n)
	}
}

func TestSend_UserIDFromRoster(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z", func(o *nbslack.Options) { o.UserIDs = map[string]string{"ann": uAnn} })
	id := v.sendNow(t, "ann", nudges.KindCheckIn)
	v.flush(t)
	if postsOf(v.fake, dmAnn, id) != 1 {
		t.Fatalf("nudge not in Ann's DM: %+v", v.fake.Messages(dmAnn))
	}
	if n := len(v.fake.Calls("users.lookupByEmail")); n != 0 {
		t.Errorf("users.lookupByEmail called %d times, want 0: the roster gave the user id", n)
	}
}

func TestSend_SummaryGoesToTheTeamChannelWithoutButtons(t *testing.T) {
	v := newEnv(t, "2026-06-05T14:00:00Z")
	v.sendNow(t, "ann", nudges.KindSummary)
	v.flush(t)
	posts := v.fake.Messages("C0TEAM1")
	if len(posts) != 1 {
		t.Fatalf("%d posts in the team channel, want 1", len(posts))
	}
	doc := checkMessage(t, blocksOf(t, posts[0]))
	if b := buttons(doc); len(b) != 0 {
		t.Errorf("a channel post has buttons %v: only the manager may answer a nudge", b)
	}
	if nudgeIDOf(posts[0]) == "" {
		t.Error("the channel post carries no nudge id")
	}
	for id, it := range v.items(t) {
		if it.State != store.Sent {
			t.Errorf("%s: %s (%s)", id, it.State, it.Reason)
		}
	}
}

func TestSend_RateLimited(t *testing.T) {
	t.Run("RetryAfterHoldsEveryCaller", func(t *testing.T) {
		v := newEnv(t, "2026-06-02T09:00:00Z")
		v.fake.failNext("chat.postMessage", 1, rateLimited("1"))
		ctx := context.Background()
		msg := nudges.Message{Nudge: "direct-0", Title: "Hello"}
		_, err := v.a.Send(ctx, bot.Recipient{Manager: "ann"}, msg)
		var ra *bot.RetryAfterError
		if !errors.As(err, &ra) || ra.After != time.Second {
			t.Fatalf("Send after a 429 = %v, want RetryAfterError of 1s", err)
		}
		limited := v.fake.Calls("chat.postMessage")[0]
		if limited.Status != 429 {
			t.Fatalf("first post answered %d", limited.Status)
		}
		// Callers in several goroutines, to several channels, and the
		// engine's own delivery: none reaches Slack before Retry-After.
		var wg sync.WaitGroup
		for i, to := range []bot.Recipient{{Manager: "ann"}, {Channel: "C0TEAM1"}, {Channel: "C0TEAM2"}} {
			wg.Go(func() {
				if _, err := v.a.Send(ctx, to, nudges.Message{Nudge: fmt.Sprintf("direct-%d", i+1), Title: "Hello"}); err != nil {
					t.Errorf("send to %s: %v", to, err)
				}
			})
		}
		id := v.sendNow(t, "ann", nudges.KindCheckIn)
		v.flush(t)
		wg.Wait()
		notBefore := limited.At.Add(time.Second)
		calls := v.fake.Calls("chat.postMessage")
		if len(calls) != 5 {
			t.Fatalf("%d posts, want 5", len(calls))
		}
		for _, c := range calls[1:] {
			if c.At.Before(notBefore) {
				t.Errorf("post to %s reached Slack %v before Retry-After ended", c.Form.Get("channel"), notBefore.Sub(c.At))
			}
		}
		if it := v.item(t, id); it.State != store.Sent || postsOf(v.fake, dmAnn, id) != 1 {
			t.Errorf("engine's nudge: %s, %d posts; want sent once", it.State, postsOf(v.fake, dmAnn, id))
		}
	})
	t.Run("EngineRetriesLater", func(t *testing.T) {
		v := newEnv(t, "2026-06-02T09:00:00Z")
		v.fake.failNext("chat.postMessage", 1, rateLimited("1"))
		id := v.sendNow(t, "ann", nudges.KindCheckIn)
		v.flush(t)
		it := v.item(t, id)
		if it.State != store.Pending || it.Reason != "rate limited" || it.NextAttempt.Before(v.clock.Now().Add(time.Second)) {
			t.Fatalf("after a 429: %s %q next %v; want pending, rate limited, at least 1s later", it.State, it.Reason, it.NextAttempt)
		}
		v.clock.Set("2026-06-02T09:10:00Z")
		v.flush(t)
		if it := v.item(t, id); it.State != store.Sent || postsOf(v.fake, dmAnn, id) != 1 {
			t.Errorf("after the wait: %s, %d posts; want sent once", it.State, postsOf(v.fake, dmAnn, id))
		}
	})
	t.Run("BareStatusWithoutHeader", func(t *testing.T) {
		v := newEnv(t, "2026-06-02T09:00:00Z")
		v.fake.failNext("chat.postMessage", 1, rateLimited(""))
		_, err := v.a.Send(context.Background(), bot.Recipient{Manager: "ann"}, nudges.Message{Nudge: "x", Title: "Hello"})
		var ra *bot.RetryAfterError
		if !errors.As(err, &ra) || ra.After < time.Second {
			t.Fatalf("Send after a bare 429 = %v, want RetryAfterError of a few seconds", err)
		}
		// A caller that cannot wait that long is told so at once, and
		// Slack sees nothing.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = v.a.Send(ctx, bot.Recipient{Manager: "ann"}, nudges.Message{Nudge: "y", Title: "Hello"})
		if !errors.As(err, &ra) {
			t.Fatalf("Send during the hold = %v, want RetryAfterError", err)
		}
		if n := len(v.fake.Calls("chat.postMessage")); n != 1 {
			t.Errorf("%d posts reached Slack, want only the rate-limited one", n)
		}
	})
}

func TestSend_ServerErrorThenSuccess(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	v.fake.failNext("chat.postMessage", 1, serverError)
	id := v.sendNow(t, "ann", nudges.KindCheckIn)
	v.flush(t)
	// A 500 after the request went out may have posted the message: the
	// retry asks Slack's history first.
	if it := v.item(t, id); it.State != store.Pending || !it.Unsure || !strings.Contains(it.Reason, "500") {
		t.Fatalf("after a 500: %s %q unsure=%v; want pending, unsure, with the reason", it.State, it.Reason, it.Unsure)
	}
	v.clock.Set("2026-06-02T10:00:00Z")
	v.flush(t)
	if it := v.item(t, id); it.State != store.Sent {
		t.Fatalf("after the retry: %s %q, want sent", it.State, it.Reason)
	}
	if n := postsOf(v.fake, dmAnn, id); n != 1 {
		t.Errorf("%d messages for the nudge, want exactly 1", n)
	}
	if n := len(v.fake.Calls("chat.postMessage")); n != 2 {
		t.Errorf("%d posts, want 2 (the failed one and the retry)", n)
	}
	if n := len(v.fake.Calls("conversations.history")); n != 1 {
		t.Errorf("%d history reads before the retry, want 1", n)
	}
}

func TestSend_PermanentErrors(t *testing.T) {
	for _, tc := range []struct {
		name, method, code string
	}{
		{"ChannelNotFound", "chat.postMessage", "channel_not_found"},
		{"AccountInactive", "chat.postMessage", "account_inactive"},
		{"InvalidBlocks", "chat.postMessage", "invalid_blocks"},
		{"CannotDMBot", "chat.postMessage", "cannot_dm_bot"},
		{"UserLeft", "", "users_not_found"}, // not in the user list, nor found alone
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, "2026-06-02T09:00:00Z")
			if tc.method != "" {
				v.fake.failNext(tc.method, 1, slackError(tc.code))
			} else {
				v.fake.mu.Lock()
				delete(v.fake.users, uAnn)
				v.fake.mu.Unlock()
			}
			id := v.sendNow(t, "ann", nudges.KindCheckIn)
			v.flush(t)
			it := v.item(t, id)
			if it.State != store.Failed || !strings.HasPrefix(it.Reason, tc.code) {
				t.Fatalf("item %s %q, want failed with reason %s", it.State, it.Reason, tc.code)
			}
			if strings.Contains(it.Reason, botToken) {
				t.Errorf("reason %q contains the token", it.Reason)
			}
			if it.Attempts != 1 {
				t.Errorf("%d attempts, want 1: retrying cannot fix %s", it.Attempts, tc.code)
			}
		})
	}
}

// crash leaves an item as a crash between the platform call and the
// commit of its outcome does: in sending.
func crash(t *testing.T, v *env, id string) {
	t.Helper()
	if err := v.st.Write(context.Background(), func(tx *store.Tx) error {
		it, err := tx.Item(id)
		if err != nil || it == nil {
			return fmt.Errorf("item %s: %v", id, err)
		}
		it.State = store.Sending
		it.Attempts++
		return tx.PutItem(it)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRestart_SettlesInFlight(t *testing.T) {
	t.Run("PostedBeforeCrash", func(t *testing.T) {
		v := newEnv(t, "2026-06-02T09:00:00Z")
		id := v.sendNow(t, "ann", nudges.KindCheckIn)
		msg, _, err := v.e.Nudge("ann", id)
		if err != nil {
			t.Fatal(err)
		}
		// The post reached Slack; the process died before recording it.
		ref, err := v.a.Send(context.Background(), bot.Recipient{Manager: "ann"}, msg)
		if err != nil {
			t.Fatal(err)
		}
		crash(t, v, id)
		// Newer messages push it to the second page of the history.
		for i := range 3 {
			v.fake.inject(dmAnn, fmt.Sprintf("later %d", i), nil)
		}
		v.restart(t)
		v.flush(t)
		it := v.item(t, id)
		if it.State != store.Sent || it.Ref != ref {
			t.Fatalf("after restart: %s ref %q, want sent with ref %q", it.State, it.Ref, ref)
		}
		if n := postsOf(v.fake, dmAnn, id); n != 1 {
			t.Errorf("%d DMs for the nudge, want 1: it was already posted", n)
		}
		if n := len(v.fake.Calls("conversations.history")); n < 2 {
			t.Errorf("history read in %d page(s); the message was on the second", n)
		}
	})
	t.Run("LostInCrash", func(t *testing.T) {
		v := newEnv(t, "2026-06-02T09:00:00Z")
		id := v.sendNow(t, "ann", nudges.KindCheckIn)
		crash(t, v, id)
		v.restart(t)
		v.flush(t)
		if it := v.item(t, id); it.State != store.Sent {
			t.Fatalf("after restart: %s %q, want sent", it.State, it.Reason)
		}
		if n := postsOf(v.fake, dmAnn, id); n != 1 {
			t.Errorf("%d DMs for the nudge, want exactly 1", n)
		}
	})
}

func TestCheck(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	if err := v.a.Check(context.Background()); err != nil {
		t.Fatalf("Check with a good token: %v", err)
	}
	for _, tc := range []struct{ name, token, want string }{
		{"Invalid", "xoxb-wrong-token-value", "invalid_auth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := v.opt
			opt.BotToken = tc.token
			a, err := nbslack.New(opt)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bot token") {
				t.Fatalf("Check = %v, want an error naming the bot token and %s", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestNew_RejectsBadOptions(t *testing.T) {
	good := nbslack.Options{BotToken: botToken, AppToken: appToken}
	for _, tc := range []struct {
		name string
		edit func(*nbslack.Options)
		want string
	}{
		{"NoBotToken", func(o *nbslack.Options) { o.BotToken = "" }, "bot token"},
		{"SocketWithoutAppToken", func(o *nbslack.Options) { o.AppToken = "" }, "app-level token"},
		{"BotTokenAsAppToken", func(o *nbslack.Options) { o.AppToken = botToken }, "xapp-"},
		{"HTTPWithoutSecret", func(o *nbslack.Options) { o.Mode = nbslack.ModeHTTP }, "signing secret"},
		{"UnknownMode", func(o *nbslack.Options) { o.Mode = "rtm" }, "unknown mode"},
		{"RelativeAPIURL", func(o *nbslack.Options) { o.APIURL = "api/" }, "API URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := good
			tc.edit(&opt)
			_, err := nbslack.New(opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error about %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "secretvalue") {
				t.Errorf("error %q contains a token", err)
			}
		})
	}
	if _, err := nbslack.New(good); err != nil {
		t.Errorf("New with good options: %v", err)
	}
}
