package dash_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/web/dash"
)

// FuzzRequest sends an admin's arbitrary path, query and form to the
// dashboard: every answer is a page, a redirect or a clear refusal (4xx),
// never a 5xx or a panic.
func FuzzRequest(f *testing.F) {
	v := newEnv(f, envOpt{})
	c := v.admin()
	u, _ := url.Parse(v.srv.URL + dash.Prefix + "/")
	var cookie *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "nudgebot_session" {
			cookie = ck
		}
	}
	csrf := v.csrf(c)
	for _, s := range [][3]string{
		{"GET", "/teams?program=p&offset=-1", ""}, {"GET", "/calendar?from=2026-13-40&days=x", ""},
		{"GET", "/logs?after=00ff&q=%00", ""}, {"GET", "/api/logs?limit=-5&after=zz", ""},
		{"POST", "/action/erase", "person=l1&confirm=yes&typed=l2"}, {"POST", "/action/test", "manager=&me=yes&kind=x"},
		{"POST", "/action/pause", "program=p"}, {"GET", "/api/report?from=2026-06-10&to=2026-06-01", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, target, form string) {
		if method != "POST" {
			method = "GET"
		}
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n#") {
			return
		}
		r, err := http.NewRequest(method, v.srv.URL+dash.Prefix+target, strings.NewReader(form+"&csrf="+csrf))
		if err != nil {
			return
		}
		r.RequestURI = ""
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		v.d.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, target, form, w.Code, w.Body)
		}
	})
}
