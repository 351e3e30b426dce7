package teams_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/internal/teamsfake"
)

// TestAuthMatrix sends a note with each kind of bad token: each is refused
// with 401 or 403 before anything is read or stored, and a genuine token
// of each accepted issuer gets through.
func TestAuthMatrix(t *testing.T) {
	v := newEnv(t, "2026-06-02T10:00:00Z")
	now := v.clock.Now()
	f := v.fake
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&f.BotFrameworkKey.PublicKey))})
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": teamsfake.BotFrameworkIssuer, "aud": appID,
		"serviceurl": f.ServiceURL(), "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	hs.Header["kid"] = teamsfake.KidBotFramework
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": teamsfake.BotFrameworkIssuer, "aud": appID,
		"serviceurl": f.ServiceURL(), "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	none.Header["kid"] = teamsfake.KidBotFramework
	entra := func(iss string) teamsfake.Claims {
		return teamsfake.Claims{Issuer: iss, IssuedAt: now, Key: f.EntraKey, Kid: teamsfake.KidEntra, NoService: true}
	}
	cases := []struct {
		name   string
		auth   string
		status int
	}{
		{"no header", "", 401},
		{"not a bearer token", "Basic " + password, 401},
		{"wrong issuer", bearer(f.Sign(teamsfake.Claims{Issuer: "https://login.example.com", IssuedAt: now})), 401},
		{"other tenant v1", bearer(f.Sign(entra("https://sts.windows.net/22222222-2222-2222-2222-222222222222/"))), 401},
		{"other tenant v2", bearer(f.Sign(entra(f.Authority() + "/22222222-2222-2222-2222-222222222222/v2.0"))), 401},
		{"wrong audience", bearer(f.Sign(teamsfake.Claims{Audience: "another-app", IssuedAt: now})), 401},
		{"expired", bearer(f.Sign(teamsfake.Claims{IssuedAt: now.Add(-2 * time.Hour)})), 401},
		{"expired beyond skew", bearer(f.Sign(teamsfake.Claims{IssuedAt: now.Add(-66 * time.Minute)})), 401},
		{"not yet valid beyond skew", bearer(f.Sign(teamsfake.Claims{IssuedAt: now.Add(6 * time.Minute)})), 401},
		{"alg none", bearer(must(none.SignedString(jwt.UnsafeAllowNoneSignatureType))), 401},
		{"HS256 with the public key", bearer(must(hs.SignedString(pubPEM))), 401},
		{"RS256 by an unpublished key", bearer(f.Sign(teamsfake.Claims{IssuedAt: now, Key: f.OtherKey, Kid: teamsfake.KidOther})), 401},
		{"published kid, other key", bearer(f.Sign(teamsfake.Claims{IssuedAt: now, Key: f.OtherKey, Kid: teamsfake.KidBotFramework})), 401},
		{"garbage", "Bearer abc.def.ghi", 401},
		{"key not endorsed for msteams", bearer(f.Sign(teamsfake.Claims{IssuedAt: now, Key: f.UnendorsedKey, Kid: teamsfake.KidUnendorsed})), 403},
		{"serviceurl mismatch", bearer(f.Sign(teamsfake.Claims{IssuedAt: now, ServiceURL: "https://smba.evil.example/"})), 403},
		{"no serviceurl claim", bearer(f.Sign(teamsfake.Claims{IssuedAt: now, NoService: true})), 403},
	}
	for _, c := range cases {
		act := v.activity(teams.TypeMessage, uAnn)
		act["text"] = "a note from " + c.name
		status, _, err := teamsfake.Post(v.url, c.auth, act)
		if err != nil {
			t.Fatal(err)
		}
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, status, c.status)
		}
	}
	if n := len(v.logs()); n != 0 {
		t.Fatalf("refused activities stored %d logs", n)
	}
	if _, ok := v.e.Identity("teams-user", uAnn); ok {
		t.Fatal("a refused activity stored an identity")
	}
	if n := f.Total(); n != 0 {
		t.Fatalf("the bot answered refused activities: %d messages", n)
	}

	// Genuine tokens: Bot Framework, Entra v1 and v2 for the tenant, and
	// one issued 4 minutes "in the future" (inside the skew).
	good := []struct{ name, auth string }{
		{"bot framework", bearer(f.Sign(teamsfake.Claims{IssuedAt: now}))},
		{"entra v1", bearer(f.Sign(entra("https://sts.windows.net/" + tenant + "/")))},
		{"entra v2", bearer(f.Sign(entra(f.Authority() + "/" + tenant + "/v2.0")))},
		{"inside skew", bearer(f.Sign(teamsfake.Claims{IssuedAt: now.Add(4 * time.Minute)}))},
		{"RS512", bearer(f.Sign(teamsfake.Claims{IssuedAt: now, Method: jwt.SigningMethodRS512}))},
	}
	for _, g := range good {
		act := v.activity(teams.TypeMessage, uAnn)
		act["text"] = "a note via " + g.name
		if status, _, _ := teamsfake.Post(v.url, g.auth, act); status != 200 {
			t.Errorf("%s: status %d, want 200", g.name, status)
		}
	}
	if n := len(v.logs()); n != len(good) {
		t.Fatalf("accepted notes stored %d logs, want %d", n, len(good))
	}
}

// TestUnknownKidRefreshesOnce: a token naming a key the bot has not seen
// makes it read the key sets again, once; more such tokens inside the
// rate-limit window cause no further requests; after it, one more.
func TestUnknownKidRefreshesOnce(t *testing.T) {
	v := newEnv(t, "2026-06-02T10:00:00Z")
	f := v.fake
	act := v.activity(teams.TypeMessage, uAnn)
	act["text"] = "hello"
	if s, _ := v.post(act); s != 200 {
		t.Fatalf("genuine activity: %d", s)
	}
	v.clock.SetTime(v.clock.Now().Add(10 * time.Minute))
	base := f.KeyFetches()
	forged := func() int {
		s, _, _ := teamsfake.Post(v.url, bearer(f.Sign(teamsfake.Claims{IssuedAt: v.clock.Now(), Key: f.OtherKey, Kid: "rotated-key"})), v.activity(teams.TypeMessage, uAnn))
		return s
	}
	for range 5 {
		if s := forged(); s != 401 {
			t.Fatalf("unknown kid: %d, want 401", s)
		}
	}
	if got := f.KeyFetches() - base; got != 1 {
		t.Fatalf("5 unknown kids read the keys %d times, want 1", got)
	}
	v.clock.SetTime(v.clock.Now().Add(5 * time.Minute))
	forged()
	if got := f.KeyFetches() - base; got != 2 {
		t.Fatalf("after the window, reads = %d, want 2", got)
	}
	// A day later the keys are read again even for a known kid.
	v.clock.SetTime(v.clock.Now().Add(24 * time.Hour))
	if s, _ := v.post(v.activity(teams.TypeMessage, uAnn)); s != 200 {
		t.Fatalf("genuine activity after a day: %d", s)
	}
	if got := f.KeyFetches() - base; got != 3 {
		t.Fatalf("a day later, reads = %d, want 3", got)
	}
}

// TestBadBodiesRefused: with a genuine token, a body over the limit, one
// that is not an activity, and one without a usable service URL are each
// refused whole, and nothing is stored or sent.
func TestBadBodiesRefused(t *testing.T) {
	v := newEnv(t, "2026-06-02T10:00:00Z")
	big := v.activity(teams.TypeMessage, uAnn)
	big["text"] = strings.Repeat("x", 300<<10)
	noConv := v.activity(teams.TypeMessage, uAnn)
	delete(noConv, "conversation")
	badURL := v.activity(teams.TypeMessage, uAnn)
	badURL["serviceUrl"] = "file:///etc/passwd"
	for name, c := range map[string]struct {
		body   any
		status int
	}{
		"oversized":       {big, http.StatusRequestEntityTooLarge},
		"not an activity": {[]int{1, 2}, http.StatusBadRequest},
		"no conversation": {noConv, http.StatusBadRequest},
		"bad service URL": {badURL, http.StatusBadRequest},
	} {
		if s, _ := v.post(c.body); s != c.status {
			t.Errorf("%s: status %d, want %d", name, s, c.status)
		}
	}
	if len(v.logs()) != 0 || v.fake.Total() != 0 {
		t.Fatal("a refused body stored a log or sent a message")
	}
}

func bearer(tok string) string { return "Bearer " + tok }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
