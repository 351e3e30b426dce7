package teams_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nudgebot/nudgebot/internal/teamsfake"
)

// TestTokenRefreshedAfter401: a token the connector refuses before it
// expires (Entra revoked it; the secret was rotated) is replaced at once
// and the request goes again, so the message is delivered, once; a
// connector that refuses the new token too is not asked again and again:
// one new token per refusal, and the send fails for the engine to retry.
func TestTokenRefreshedAfter401(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: appID, AppPassword: password, TenantID: tenant})
	defer f.Close()
	conv := f.Install(uAnn)
	c := newClient(t, f, 1000)
	ctx := context.Background()
	if _, err := c.SendActivity(ctx, f.ServiceURL(), conv, msg("before")); err != nil {
		t.Fatal(err)
	}
	f.RevokeTokens()
	if _, err := c.SendActivity(ctx, f.ServiceURL(), conv, msg("after")); err != nil {
		t.Fatalf("a send after the token was revoked: %v", err)
	}
	if n := f.TokenCalls(); n != 2 {
		t.Fatalf("%d token requests, want 2 (one at start, one after the 401)", n)
	}
	if got := f.Messages(conv); len(got) != 2 || got[1].Text != "after" {
		t.Fatalf("the conversation holds %+v, want both messages once", got)
	}

	// Refused twice in a row: one new token, then the failure.
	f.Inject(teamsfake.Fault{Op: "send", Status: http.StatusUnauthorized, Count: 2})
	if _, err := c.SendActivity(ctx, f.ServiceURL(), conv, msg("refused")); err == nil {
		t.Fatal("a send refused with the new token too succeeded")
	}
	if n := f.TokenCalls(); n != 3 {
		t.Fatalf("%d token requests after a send refused twice, want 3", n)
	}
	// The next send uses the token it has, and goes through.
	if _, err := c.SendActivity(ctx, f.ServiceURL(), conv, msg("later")); err != nil {
		t.Fatal(err)
	}
	if n, got := f.TokenCalls(), f.Messages(conv); n != 3 || len(got) != 3 {
		t.Fatalf("%d token requests, %d messages after the refusals ended; want 3 and 3", n, len(got))
	}
}
