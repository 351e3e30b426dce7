package teams_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/internal/teamsfake"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

func newClient(t *testing.T, f *teamsfake.Server, rate float64) *teams.Client {
	t.Helper()
	c, err := teams.NewClient(teams.ClientOptions{AppID: appID, AppPassword: password, TenantID: tenant,
		Authority: f.Authority(), TenantRate: rate, TenantBurst: 100})
	if err != nil {
		t.Fatal(err)
	}
	c.Trust(f.ServiceURL())
	return c
}

func msg(text string) *teams.Activity { return &teams.Activity{Type: teams.TypeMessage, Text: text} }

// TestRetryAfterHonoured: after a 429 the client sends nothing to the
// tenant before the announced Retry-After has passed, and a throttled
// request never took effect, so each message is stored once.
func TestRetryAfterHonoured(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: appID, AppPassword: password, TenantID: tenant})
	defer f.Close()
	conv := f.Install(uAnn)
	c := newClient(t, f, 1000)
	// Four 429s: the first call tries three times and hands the engine a
	// Retry-After; the next call is throttled once more, then goes through.
	f.Inject(teamsfake.Fault{Op: "send", Status: http.StatusTooManyRequests, Count: 4})
	surfaced := 0
	for i := range 3 {
		for {
			_, err := c.SendActivity(context.Background(), f.ServiceURL(), conv, msg(fmt.Sprint("m", i)))
			var ra *bot.RetryAfterError
			if errors.As(err, &ra) {
				if ra.After < time.Second {
					t.Fatalf("Retry-After read as %s", ra.After)
				}
				surfaced++
				continue // at once: the client itself must hold the request
			}
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if surfaced != 1 || f.Throttled() != 4 {
		t.Fatalf("%d throttles handed on, %d answered; want 1 and 4", surfaced, f.Throttled())
	}
	if v := f.Violations(); len(v) != 0 {
		t.Fatalf("requests before Retry-After elapsed: %v", v)
	}
	if n := len(f.Messages(conv)); n != 3 {
		t.Fatalf("%d messages stored, want 3", n)
	}
}

// TestServerErrorThenSuccess: a 502 before the message was stored is
// retried by the engine after its backoff, and delivered once.
func TestServerErrorThenSuccess(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	v.fake.Inject(teamsfake.Fault{Op: "send", Status: http.StatusBadGateway, Count: 1})
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	if it := v.items()[id]; it.State != store.Pending {
		t.Fatalf("after a 502 the nudge is %s (%s), want pending", it.State, it.Reason)
	}
	v.clock.SetTime(v.clock.Now().Add(15 * time.Minute))
	v.flush()
	if it := v.items()[id]; it.State != store.Sent {
		t.Fatalf("after the retry the nudge is %s (%s), want sent", it.State, it.Reason)
	}
	if n := len(v.fake.Messages(v.fake.Conversation(uAnn))); n != 1 {
		t.Fatalf("Ann's chat holds %d messages, want 1", n)
	}
}

// TestNotInstalledReportedNotRetried: a manager who has not installed the
// app (403 on opening the chat) fails with that reason, and the bot does
// not keep asking.
func TestNotInstalledReportedNotRetried(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z", func(v *env) {
		v.opt.UserIDs = map[string]string{"ann": uAnn}
		v.opt.AllowedServiceURLs = []string{v.fake.ServiceURL()}
	})
	id := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	it := v.items()[id]
	if it.State != store.Failed || !strings.Contains(it.Reason, "not installed") {
		t.Fatalf("nudge to a manager without the app: %s %q", it.State, it.Reason)
	}
	before := v.fake.Requests()
	v.clock.SetTime(v.clock.Now().Add(time.Hour))
	v.flush()
	if n := v.fake.Requests() - before; n != 0 {
		t.Fatalf("%d more requests for a manager without the app", n)
	}
	// Once she installs it, the admin's retry reaches her.
	v.fake.Install(uAnn)
	if n, err := v.e.RetryFailed(context.Background()); err != nil || n != 1 {
		t.Fatalf("retry failed: %d %v", n, err)
	}
	v.flush()
	if n := len(v.fake.Messages(v.fake.Conversation(uAnn))); n != 1 {
		t.Fatalf("after install and retry Ann's chat holds %d messages", n)
	}
}

// TestTokenOnlyToTrustedServices: the bot's token never goes to a service
// URL that came from no authenticated activity and is not allowed.
func TestTokenOnlyToTrustedServices(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: appID, AppPassword: password, TenantID: tenant})
	defer f.Close()
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer evil.Close()
	c := newClient(t, f, 1000)
	_, err := c.SendActivity(context.Background(), evil.URL+"/", "a:1", msg("hi"))
	var p *bot.PermanentError
	if !errors.As(err, &p) || hits.Load() != 0 {
		t.Fatalf("send to an untrusted service: %v, %d requests reached it", err, hits.Load())
	}
}

// TestTokenCachedAndRefusalFailsFast: one token serves many sends; a
// refused secret fails Check with a clear message.
func TestTokenCachedAndRefusalFailsFast(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: appID, AppPassword: password, TenantID: tenant})
	defer f.Close()
	conv := f.Install(uAnn)
	c := newClient(t, f, 1000)
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.SendActivity(context.Background(), f.ServiceURL(), conv, msg("hi")); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.TokenCalls(); n != 1 {
		t.Fatalf("%d token requests for 3 sends, want 1", n)
	}
	bad, _ := teams.NewClient(teams.ClientOptions{AppID: appID, AppPassword: "wrong", TenantID: tenant, Authority: f.Authority()})
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a wrong secret: %v", err)
	}
	if _, err := teams.NewClient(teams.ClientOptions{AppID: appID, TenantID: tenant}); err == nil || !strings.Contains(err.Error(), "MICROSOFT_APP_PASSWORD") {
		t.Fatalf("no secret: %v", err)
	}
}

// TestDevelopmentMode: with SkipAuth on loopback and no secret, an
// activity without a token is handled and answered without one; on any
// other address the adapter refuses to start.
func TestDevelopmentMode(t *testing.T) {
	if _, err := teams.New(teams.Options{SkipAuth: true, Listen: ":3978"}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("development mode on every interface: %v", err)
	}
	f := teamsfake.New(teamsfake.Options{NoAuth: true})
	defer f.Close()
	conv := f.Install(uAnn)
	f.AddUser(uAnn, "aad-ann", "ann@example.com")
	v := newEnv(t, "2026-06-01T10:00:00Z", func(v *env) {
		v.fake = f
		v.opt = teams.Options{SkipAuth: true, Listen: "127.0.0.1:0", Now: v.clock.Now}
	})
	a := v.activity(teams.TypeMessage, uAnn)
	a["text"] = "a note"
	if s, _, _ := teamsfake.Post(v.url, "", a); s != 200 {
		t.Fatalf("unauthenticated activity in development mode: %d", s)
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs, want 1", n)
	}
	if msgs := f.Messages(conv); len(msgs) != 1 || msgs[0].Text != "Noted." {
		t.Fatalf("the answer: %+v", msgs)
	}
	a = v.activity(teams.TypeMessage, uAnn)
	a["serviceUrl"], a["text"] = "https://smba.example.net/", "elsewhere"
	if s, _, _ := teamsfake.Post(v.url, "", a); s != 403 {
		t.Fatalf("an unauthenticated activity naming a remote service: %d", s)
	}
	if n := len(v.logs()); n != 1 {
		t.Fatalf("%d logs, want 1", n)
	}
}
