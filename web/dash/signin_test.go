package dash_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/internal/oidcfake"
	"github.com/nudgebot/nudgebot/web/dash"
)

// signInFails signs in as u and wants no session and the given status.
func signInFails(t *testing.T, v *env, u oidcfake.User, status int, text string) {
	t.Helper()
	c := v.client()
	v.idp.SignIn(u)
	res, body := v.get(c, dash.Prefix+"/login/oidc")
	if res.StatusCode != status || !strings.Contains(body, text) {
		t.Errorf("sign-in as %+v: %d %q, want %d with %q", u, res.StatusCode, body, status, text)
	}
	if res, _ := v.get(c, dash.Prefix+"/api/programs"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in as %+v left a session: %d", u, res.StatusCode)
	}
}

func TestSignIn_Refused(t *testing.T) {
	v := newEnv(t, envOpt{})
	// Signed in at the provider, but on neither list.
	signInFails(t, v, oidcfake.User{Subject: "sub-eve", Email: "eve@example.com", Verified: true}, http.StatusForbidden, "not allowed")
	// An admin's address the provider says is not verified counts for nothing.
	signInFails(t, v, oidcfake.User{Subject: "sub-x", Email: "ann@example.com", Verified: false}, http.StatusForbidden, "not allowed")
	// A domain entry needs a verified address, not just an absent claim.
	signInFails(t, v, oidcfake.User{Subject: "sub-y", Email: "yan@viewers.example.com"}, http.StatusForbidden, "not allowed")
	// The provider's token endpoint fails: no session, a clear page.
	v.idp.FailTokens(1)
	signInFails(t, v, oidcfake.User{Subject: "sub-ann", Email: "ann@example.com", Verified: true}, http.StatusUnauthorized, "did not confirm")
}

// A callback replayed (its code and state again) or forged (another state)
// is refused: the login cookie is one-use and the code too.
func TestCallback_ReplayAndForgery(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.client()
	var callback string
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == dash.Prefix+"/callback" && callback == "" {
			callback = req.URL.String()
		}
		return nil
	}
	v.idp.SignIn(oidcfake.User{Subject: "sub-ann", Email: "ann@example.com", Verified: true})
	if res, _ := v.get(c, dash.Prefix+"/login/oidc"); res.StatusCode != http.StatusOK {
		t.Fatalf("first sign-in: %d", res.StatusCode)
	}
	tokens := v.idp.Tokens()
	other := v.client()
	for _, u := range []string{callback, strings.Replace(callback, "state=", "state=X", 1)} {
		res, body := v.get(other, strings.TrimPrefix(u, v.srv.URL))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not valid any more") {
			t.Errorf("replayed callback %s: %d", u, res.StatusCode)
		}
	}
	if v.idp.Tokens() != tokens {
		t.Fatal("a replayed callback reached the token endpoint")
	}
}

func TestTokenSignIn(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.client()
	_, page := v.get(c, dash.Prefix+"/login")
	pre := csrfField.FindStringSubmatch(page)
	if pre == nil {
		t.Fatalf("no form token on the sign-in page: %s", page)
	}
	if res, _ := v.post(c, dash.Prefix+"/login/token", url.Values{"csrf": {pre[1]}, "token": {"wrong-" + adminToken}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", res.StatusCode)
	}
	// Without the form's value (a cross-site form), even the right token fails.
	if res, _ := v.post(v.client(), dash.Prefix+"/login/token", url.Values{"token": {adminToken}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("token form without its CSRF value: %d", res.StatusCode)
	}
	res, body := v.post(c, dash.Prefix+"/login/token", url.Values{"csrf": {pre[1]}, "token": {adminToken}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "token (admin)") {
		t.Fatalf("right token: %d %s", res.StatusCode, body)
	}
}

// BI tools call the API with the admin token; it opens no page.
func TestBearerToken_APIOnly(t *testing.T) {
	v := newEnv(t, envOpt{})
	for path, want := range map[string]int{dash.Prefix + "/api/programs": 200, dash.Prefix + "/": 303} {
		req, _ := http.NewRequest("GET", v.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		res, err := v.raw().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s with the bearer token: %d, want %d", path, res.StatusCode, want)
		}
	}
}

func TestSecurityHeaders_EveryResponse(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	for _, path := range []string{"/login", "/", "/teams", "/api/report", "/nowhere", "/static/dash.css"} {
		res, _ := v.get(c, dash.Prefix+path)
		if got := res.Header.Get("Content-Security-Policy"); got != dash.CSP || !strings.Contains(got, "script-src 'none'") {
			t.Errorf("%s: CSP %q", path, got)
		}
		if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, res.Header)
		}
	}
}
