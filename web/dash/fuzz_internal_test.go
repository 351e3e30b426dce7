package dash

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A session cookie is outside input: whatever it holds, lookup neither
// panics nor finds a session, except for the exact value handed out.
func FuzzSessionCookie(f *testing.F) {
	s := newSessions(time.Hour, func() time.Time { return time.Unix(1_800_000_000, 0) })
	valid := s.cookieValue(s.create("ann@example.com", "ann@example.com", RoleAdmin))
	for _, seed := range []string{valid, "", ".", valid + "x", valid[:len(valid)-1], "a.b.c", "\x00.\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got := s.lookup(v); (got != nil) != (v == valid) {
			t.Fatalf("lookup(%q) = %v", v, got)
		}
	})
}

// The login cookie carries the OIDC state back: a forged or damaged one is
// never taken for the real one.
func FuzzLoginState(f *testing.F) {
	d := &Dashboard{now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
	d.sessions = newSessions(time.Hour, d.now)
	v := "STATE.NONCE.VERIFIER.1800000600"
	valid := v + "." + d.sessions.sign(v)
	for _, seed := range []string{valid, "", "....", "a.b.c.d.e", "STATE.NONCE.VERIFIER.99999999999999999999." + d.sessions.sign("x")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, c string) {
		r := httptest.NewRequest("GET", "/dashboard/callback", nil)
		r.AddCookie(&http.Cookie{Name: cookieLogin, Value: c})
		state, _, _, ok := d.loginState(r)
		if ok && (state != "STATE" || r.Header.Get("Cookie") != cookieLogin+"="+valid) {
			t.Fatalf("loginState(%q) accepted state %q", c, state)
		}
	})
}
