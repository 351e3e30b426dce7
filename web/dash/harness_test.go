package dash_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/internal/oidcfake"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
	"github.com/nudgebot/nudgebot/web/dash/botsrc"
)

// seedConfig: one program launched Monday 2026-06-01 with a Monday check-in;
// Ann leads five learners (enough to be shown), Bob two (withheld).
const seedConfig = `
data_dir = "data"
[defaults]
timezone = "Europe/London"
working_hours = "09:00-17:00"
catch_up = "4h"
[targets]
first_application_percent = 60
coaching_minutes_per_week = 30
min_group_size = 5
[[programs]]
id = "p"
name = "Feedback that lands"
launch = "2026-06-01"
weeks = 12
[[scripts]]
id = "s5"
title = "Quick one"
minutes = 5
questions = ["What did you try?", "What changed?"]
[[cadences]]
id = "weekly"
kind = "checkin"
program = "p"
script = "s5"
schedule = "30 9 * * mon"
[[managers]]
id = "ann"
name = "Ann Lee"
email = "ann@example.com"
[[managers]]
id = "bob"
name = "Bob Roy"
[[teams]]
id = "t1"
name = "Team One"
channel = "team-one"
manager = "ann"
members = [{ id = "l1", name = "Lia" }, { id = "l2", name = "Leo" }, { id = "l3", name = "Lou" }, { id = "l4", name = "Lin" }, { id = "l5", name = "Lu" }]
[[teams]]
id = "t2"
name = "Team Two"
channel = "team-two"
manager = "bob"
members = [{ id = "l6", name = "Max" }, { id = "l7", name = "Mo" }]
`

// adminToken is the air-gapped sign-in of the tests.
const adminToken = "0123456789abcdef0123456789abcdef-test"

type fakeChat struct {
	mu   sync.Mutex
	sent []bot.Recipient
}

func (f *fakeChat) Send(_ context.Context, to bot.Recipient, m nudges.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, to)
	return "ref-" + m.Nudge, nil
}

func (f *fakeChat) sentTo(manager string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.sent {
		if r.Manager == manager && r.Channel == "" {
			n++
		}
	}
	return n
}

// env is a started engine over a real bbolt file, the dashboard over it on
// loopback, and a fake OIDC provider.
type env struct {
	t     testing.TB
	clock *testclock.Clock
	chat  *fakeChat
	st    *store.Store
	e     *bot.Engine
	d     *dash.Dashboard
	srv   *httptest.Server
	idp   *oidcfake.Provider
}

type envOpt struct {
	tls bool
	// admin adds Lee, an L&D admin on the roster (who is nudged like any
	// enrolled manager, so the seeded figures count one more).
	admin bool
}

func newEnv(t testing.TB, o envOpt) *env {
	t.Helper()
	dir := t.TempDir()
	conf := seedConfig
	if o.admin {
		conf += "[[managers]]\nid = \"lee\"\nname = \"Lee Admin\"\nadmin = true\n"
	}
	cfg := testroster.Config(t, dir, conf)
	v := &env{t: t, clock: &testclock.Clock{}, chat: &fakeChat{}}
	v.clock.Set("2026-06-08T07:00:00Z") // Monday 08:00 in London
	var err error
	v.st, err = store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.st.Close() })
	v.e = bot.New(cfg, v.st, v.chat, bot.Options{Now: v.clock.Now})
	ctx := context.Background()
	if err := v.e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	v.seed()

	var h http.Handler = http.NotFoundHandler()
	serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })
	if o.tls {
		v.srv = httptest.NewTLSServer(serve)
	} else {
		v.srv = httptest.NewServer(serve)
	}
	t.Cleanup(v.srv.Close)
	v.idp = oidcfake.New(t, v.clock.Now)
	v.idp.RedirectURL = v.srv.URL + dash.Prefix + "/callback"
	v.d, err = dash.New(dash.Options{Backend: botsrc.New(v.e), ExternalURL: v.srv.URL,
		Issuer: v.idp.URL, ClientID: v.idp.ClientID, ClientSecret: v.idp.ClientSecret, ProviderName: "Test IdP",
		Admins: []string{"ann@example.com"}, Viewers: []string{"@viewers.example.com"}, AdminToken: adminToken,
		Now: v.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.d.Close)
	h = v.d
	return v
}

// seed delivers Monday's check-ins to Ann and Bob and records Ann's answer:
// two managers nudged, one answered and coached (20 minutes with Lia),
// and Lia's first application.
func (v *env) seed() {
	v.t.Helper()
	ctx := context.Background()
	v.clock.Set("2026-06-08T08:31:00Z") // 09:31 in London
	if err := v.e.Flush(ctx); err != nil {
		v.t.Fatal(err)
	}
	if v.chat.sentTo("ann") != 1 || v.chat.sentTo("bob") != 1 {
		v.t.Fatalf("seed: want one check-in each, sent %+v", v.chat.sent)
	}
	nudge := nudges.NudgeID("ann", "weekly", "2026-06-08")
	_, err := v.e.HandleReply(ctx, bot.Reply{ID: "reply-1", Manager: "ann", Nudge: nudge, Kind: nudges.KindCheckIn,
		Action: nudges.ActLog, At: v.clock.Now(), Fields: map[string]string{
			nudges.FieldMember: "l1", nudges.FieldTried: "the opening line", nudges.FieldChanged: "calmer one-to-ones",
			nudges.FieldMinutes: "20", nudges.FieldNext: "Try it in the team meeting", nudges.FieldReview: "2026-06-15"}})
	if err != nil {
		v.t.Fatal(err)
	}
	// Lia applied it: one first application of five learners.
	_, err = v.e.HandleReply(ctx, bot.Reply{ID: "reply-outcome", Manager: "ann", Nudge: nudge, Kind: nudges.KindAssignment,
		Action: nudges.ActOutcome, At: v.clock.Now(), Fields: map[string]string{nudges.FieldLearner: "l1", nudges.FieldOutcome: "applied"}})
	if err != nil {
		v.t.Fatal(err)
	}
	// Tuesday of week 3: the learners' module (launch day) is two weeks old,
	// so the first-application share counts them.
	v.clock.Set("2026-06-16T09:00:00Z")
}

// client is a browser-like HTTP client: a cookie jar, redirects followed.
func (v *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *v.srv.Client() // a copy: the server's client is shared
	c.Jar = jar
	return &c
}

// raw is a client without cookies that does not follow redirects.
func (v *env) raw() *http.Client {
	c := *v.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// signIn signs in through the provider as u and returns the client.
func (v *env) signIn(u oidcfake.User) *http.Client {
	v.t.Helper()
	c := v.client()
	v.idp.SignIn(u)
	res, body := v.get(c, dash.Prefix+"/login/oidc")
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != dash.Prefix+"/" {
		v.t.Fatalf("sign-in as %+v ended at %s with %d: %s", u, res.Request.URL, res.StatusCode, body)
	}
	return c
}

func (v *env) admin() *http.Client {
	return v.signIn(oidcfake.User{Subject: "sub-ann", Email: "ann@example.com", Verified: true})
}

func (v *env) viewer() *http.Client {
	return v.signIn(oidcfake.User{Subject: "sub-vic", Email: "vic@viewers.example.com", Verified: true})
}

func (v *env) get(c *http.Client, path string) (*http.Response, string) {
	v.t.Helper()
	res, err := c.Get(v.srv.URL + path)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (v *env) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	v.t.Helper()
	res, err := c.PostForm(v.srv.URL+path, form)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page, as a form would carry it.
func (v *env) csrf(c *http.Client) string {
	v.t.Helper()
	_, body := v.get(c, dash.Prefix+"/actions")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		v.t.Fatalf("no CSRF token on the actions page: %s", body)
	}
	return m[1]
}

func (v *env) paused() bool {
	return v.e.Config().Program("p").Paused
}

func (v *env) audit() []string {
	v.t.Helper()
	var out []string
	err := v.st.View(func(tx *store.Tx) error {
		return tx.AuditNewest(0, func(e store.Audit) bool {
			out = append(out, fmt.Sprintf("%s %s %s %s", e.Actor, e.Action, e.Detail, e.Result))
			return true
		})
	})
	if err != nil {
		v.t.Fatal(err)
	}
	return out
}

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func noteReply(id, manager, text string) bot.Reply {
	return bot.Reply{ID: id, Manager: manager, Action: bot.ActNote, Fields: map[string]string{nudges.FieldNote: text}}
}
