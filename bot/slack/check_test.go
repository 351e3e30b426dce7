package slack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// unavailable is Slack's bad minute: a 503 with an HTML body.
func unavailable(w http.ResponseWriter) {
	http.Error(w, "<html>service unavailable</html>", http.StatusServiceUnavailable)
}

// A bot that exits on Slack's first 503 at start-up is restarted into the
// same minute, or not at all: transient failures are retried; only Slack
// refusing the token ends the start.
func TestCheck_RetriesTransientFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fails []failure
	}{
		{"ServiceUnavailableTwice", []failure{unavailable, unavailable}},
		{"ServerErrorThenRateLimited", []failure{serverError, rateLimited("1")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, "2026-06-02T09:00:00Z")
			before := len(v.fake.Calls("auth.test"))
			for _, f := range tc.fails {
				v.fake.failNext("auth.test", 1, f)
			}
			if err := v.a.Check(context.Background()); err != nil {
				t.Fatalf("Check = %v, want the token accepted after %d failures", err, len(tc.fails))
			}
			if n := len(v.fake.Calls("auth.test")) - before; n != len(tc.fails)+1 {
				t.Errorf("%d auth.test calls, want %d", n, len(tc.fails)+1)
			}
		})
	}
}

func TestCheck_RefusedTokenFailsAtOnce(t *testing.T) {
	for _, code := range []string{"invalid_auth", "token_revoked", "not_authed"} {
		t.Run(code, func(t *testing.T) {
			v := newEnv(t, "2026-06-02T09:00:00Z")
			before := len(v.fake.Calls("auth.test"))
			v.fake.failNext("auth.test", 5, slackError(code))
			err := v.a.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), code) || !strings.Contains(err.Error(), "Bot User OAuth Token") {
				t.Fatalf("Check = %v, want an error naming %s and the bot token", err, code)
			}
			if n := len(v.fake.Calls("auth.test")) - before; n != 1 {
				t.Errorf("%d auth.test calls, want 1: a refused token is not retried", n)
			}
		})
	}
}

// Retries end with the context (the process shutting down), with the last
// failure in the error.
func TestCheck_StopsWhenTheContextEnds(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	v.fake.failNext("auth.test", 1000, unavailable)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- v.a.Check(ctx) }()
	v.fake.waitFor(t, "auth.test", 2)
	cancel()
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "auth.test") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Check = %v, want the last failure of auth.test", err)
	}
}
