package dash_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/internal/oidcfake"
	"github.com/nudgebot/nudgebot/web/dash"
)

func TestSignIn_AdminSeesOverview(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	res, body := v.get(c, dash.Prefix+"/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d", res.StatusCode)
	}
	contains(t, body, "ann@example.com (admin)", `id="managers">2<`, `id="nudged">2<`, `id="answered">1<`, `id="coached">1<`, "week 3 of 12")
}

// Every page, API and action is refused without a session, and with a
// forged session cookie: pages send the browser to sign in, the API and
// POSTs answer 401, and none shows any figure.
func TestUnauthenticated_EveryRouteRefused(t *testing.T) {
	v := newEnv(t, envOpt{})
	get, post := v.d.Routes()
	if len(get) < 12 || len(post) < 7 {
		t.Fatalf("routes: %v %v", get, post)
	}
	noRedirect := v.raw()
	for _, cookie := range []string{"", "forged.c2lnbmF0dXJl", "x"} {
		for _, path := range get {
			path = strings.Replace(path, "{$}", "", 1)
			req, _ := http.NewRequest("GET", v.srv.URL+path, nil)
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: "nudgebot_session", Value: cookie})
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			switch {
			case strings.Contains(path, "/api/"):
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("GET %s (cookie %q): %d, want 401", path, cookie, res.StatusCode)
				}
			case res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != dash.Prefix+"/login":
				t.Errorf("GET %s (cookie %q): %d to %q, want 303 to the sign-in page", path, cookie, res.StatusCode, res.Header.Get("Location"))
			}
		}
		for _, path := range post {
			req, _ := http.NewRequest("POST", v.srv.URL+path, strings.NewReader("program=p&confirm=yes&csrf=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: "nudgebot_session", Value: cookie})
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST %s (cookie %q): %d, want 401", path, cookie, res.StatusCode)
			}
		}
	}
	if v.paused() || len(v.audit()) != 0 {
		t.Fatalf("a refused request changed something: paused %v, audit %v", v.paused(), v.audit())
	}
}

// sessionCookie signs in and returns the Set-Cookie of the session.
func sessionCookie(t *testing.T, v *env) *http.Cookie {
	t.Helper()
	c := v.admin()
	u, _ := url.Parse(v.srv.URL + dash.Prefix + "/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "nudgebot_session" {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// The cookie's flags are only visible in the Set-Cookie header: sign in
// step by step and read it.
func setCookieOfCallback(t *testing.T, v *env) *http.Cookie {
	t.Helper()
	c := v.client()
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, dash.Prefix+"/") {
			return http.ErrUseLastResponse // stop at the callback's answer
		}
		return nil
	}
	v.idp.SignIn(oidcfake.User{Subject: "sub-ann", Email: "ann@example.com", Verified: true})
	res, err := c.Get(v.srv.URL + dash.Prefix + "/login/oidc")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "nudgebot_session" && ck.Value != "" {
			return ck
		}
	}
	t.Fatalf("callback set no session cookie (%d, %v)", res.StatusCode, res.Header)
	return nil
}

func TestSessionCookie_Flags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tls    bool
		secure bool
	}{{"PlainHTTP", false, false}, {"TLS", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, envOpt{tls: tc.tls})
			ck := setCookieOfCallback(t, v)
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure || ck.Path != dash.Prefix+"/" {
				t.Fatalf("session cookie: HttpOnly %v SameSite %v Secure %v Path %q", ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path)
			}
		})
	}
}

// Logging out ends the session on the server: the old cookie, replayed,
// is refused.
func TestLogout_EndsSession(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	old := sessionCookie(t, v)
	u, _ := url.Parse(v.srv.URL + dash.Prefix + "/")
	var mine *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "nudgebot_session" {
			mine = ck
		}
	}
	res, _ := v.post(c, dash.Prefix+"/logout", url.Values{"csrf": {v.csrf(c)}})
	if res.Request.URL.Path != dash.Prefix+"/login" {
		t.Fatalf("logout ended at %s", res.Request.URL)
	}
	replay := v.raw()
	req, _ := http.NewRequest("GET", v.srv.URL+dash.Prefix+"/", nil)
	req.AddCookie(mine)
	res2, err := replay.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusSeeOther {
		t.Fatalf("the logged-out cookie still opens the dashboard: %d", res2.StatusCode)
	}
	// The other session (signed in separately) is untouched.
	req, _ = http.NewRequest("GET", v.srv.URL+dash.Prefix+"/", nil)
	req.AddCookie(old)
	res3, err := replay.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res3.Body.Close()
	if res3.StatusCode != http.StatusOK {
		t.Fatalf("another session ended too: %d", res3.StatusCode)
	}
}

// A session ends by itself after its lifetime (12 hours by default).
func TestSession_Expires(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	v.clock.SetTime(v.clock.Now().Add(11 * time.Hour))
	if res, _ := v.get(c, dash.Prefix+"/api/programs"); res.StatusCode != http.StatusOK {
		t.Fatalf("after 11 hours: %d", res.StatusCode)
	}
	v.clock.SetTime(v.clock.Now().Add(time.Hour))
	if res, _ := v.get(c, dash.Prefix+"/api/programs"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after 12 hours: %d", res.StatusCode)
	}
}
