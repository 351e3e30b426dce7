package dash_test

import (
	"context"
	"encoding/json"
	"github.com/nudgebot/nudgebot/bot"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
)

func TestCSRF_PostWithoutTokenRefused(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	for _, token := range []string{"", "not-the-token"} {
		form := url.Values{"program": {"p"}, "confirm": {"yes"}}
		if token != "" {
			form.Set("csrf", token)
		}
		res, body := v.post(c, dash.Prefix+"/action/pause", form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "security token") {
			t.Errorf("pause with csrf %q: %d", token, res.StatusCode)
		}
	}
	if v.paused() || len(v.audit()) != 0 {
		t.Fatal("a POST without its CSRF token changed something")
	}
}

func TestViewer_CannotAct(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.viewer()
	_, body := v.get(c, dash.Prefix+"/actions")
	contains(t, body, "only admins may act")
	csrf := csrfField.FindStringSubmatch(body)[1] // the sign-out form's
	for _, a := range []string{"pause", "test", "digest", "export", "erase"} {
		res, _ := v.post(c, dash.Prefix+"/action/"+a, url.Values{"csrf": {csrf}, "program": {"p"}, "manager": {"ann"}, "person": {"ann"}, "typed": {"ann"}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer %s: %d", a, res.StatusCode)
		}
	}
	if res, _ := v.get(c, dash.Prefix+"/report.csv"); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer report.csv: %d", res.StatusCode)
	}
	if v.paused() || len(v.audit()) != 0 || v.chat.sentTo("ann") != 1 {
		t.Fatal("a viewer changed something")
	}
	// Viewers see the figures.
	res, body := v.get(c, dash.Prefix+"/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="nudged">2<`) {
		t.Fatalf("viewer overview: %d", res.StatusCode)
	}
}

// Each action shows a confirmation first and changes nothing until it is
// confirmed; then it takes effect and is audited.
func TestAdmin_PauseResumeConfirmedAndAudited(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	csrf := v.csrf(c)
	res, body := v.post(c, dash.Prefix+"/action/pause", url.Values{"csrf": {csrf}, "program": {"p"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Pause Feedback that lands") || v.paused() {
		t.Fatalf("unconfirmed pause: %d paused=%v", res.StatusCode, v.paused())
	}
	res, body = v.post(c, dash.Prefix+"/action/pause", url.Values{"csrf": {csrf}, "program": {"p"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusOK || !v.paused() {
		t.Fatalf("confirmed pause: %d paused=%v %s", res.StatusCode, v.paused(), body)
	}
	_, body = v.get(c, dash.Prefix+"/")
	contains(t, body, `id="paused">paused<`)
	v.post(c, dash.Prefix+"/action/resume", url.Values{"csrf": {csrf}, "program": {"p"}, "confirm": {"yes"}})
	if v.paused() {
		t.Fatal("resume did not take effect")
	}
	// An unknown program is refused and changes nothing.
	if res, _ := v.post(c, dash.Prefix+"/action/pause", url.Values{"csrf": {csrf}, "program": {"nope"}, "confirm": {"yes"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown program: %d", res.StatusCode)
	}
	// Each change is one entry, recorded by the engine in the change's own
	// commit, naming who asked for it.
	want := []string{"ann@example.com resume program p ", "ann@example.com pause program p "}
	if got := v.audit(); !slices.Equal(got, want) {
		t.Fatalf("audit %q, want %q", got, want)
	}
	_, body = v.get(c, dash.Prefix+"/audit")
	contains(t, body, "<td>pause</td>", "<td>resume</td>")
}

func TestAdmin_TestSendReachesManager(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	csrf := v.csrf(c)
	// "to myself": Ann's sign-in email is on the roster.
	res, body := v.post(c, dash.Prefix+"/action/test", url.Values{"csrf": {csrf}, "me": {"yes"}, "kind": {"pledge"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Queued a test pledge nudge for ann") {
		t.Fatalf("test send: %d %s", res.StatusCode, body)
	}
	if err := v.e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v.chat.sentTo("ann") != 2 {
		t.Fatalf("the test nudge did not reach Ann: %d messages", v.chat.sentTo("ann"))
	}
	if res, _ := v.post(c, dash.Prefix+"/action/test", url.Values{"csrf": {csrf}, "manager": {"nobody"}, "confirm": {"yes"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown manager: %d", res.StatusCode)
	}
	if got := v.audit(); !slices.Equal(got, []string{"ann@example.com send a pledge nudge to one manager "}) {
		t.Fatalf("audit %q", got)
	}
}

func TestAdmin_ExportThenErase(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	csrf := v.csrf(c)
	res, body := v.post(c, dash.Prefix+"/action/export", url.Values{"csrf": {csrf}, "person": {"l1"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "nudgebot-export-l1.json") {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	var exp struct {
		ID      string
		Records store.Person
	}
	if err := json.Unmarshal([]byte(body), &exp); err != nil || exp.ID != "l1" || len(exp.Records.Logs) != 2 || exp.Records.Logs[0].Answers[nudges.FieldTried] != "the opening line" || exp.Records.FirstApplications["p"].Log != "reply-outcome" {
		t.Fatalf("export of l1: %v %s", err, body)
	}
	// A mistyped confirmation erases nothing.
	res, _ = v.post(c, dash.Prefix+"/action/erase", url.Values{"csrf": {csrf}, "person": {"l1"}, "confirm": {"yes"}, "typed": {"l2"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("mistyped erase: %d", res.StatusCode)
	}
	res, body = v.post(c, dash.Prefix+"/action/erase", url.Values{"csrf": {csrf}, "person": {"l1"}})
	contains(t, body, "Type <b>l1</b> to confirm", "cannot be undone")
	res, body = v.post(c, dash.Prefix+"/action/erase", url.Values{"csrf": {csrf}, "person": {"l1"}, "confirm": {"yes"}, "typed": {"l1"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Erased 3 records about l1") {
		t.Fatalf("erase: %d %s", res.StatusCode, body)
	}
	_, body = v.get(c, dash.Prefix+"/logs?person=l1")
	contains(t, body, "No logs match")
	if t.Failed() {
		t.Log(body)
	}
	// The platform redelivering the erased reply, as first sent, does not
	// bring it back.
	r, err := v.e.HandleReply(context.Background(), bot.Reply{ID: "reply-1", Manager: "ann", Nudge: nudges.NudgeID("ann", "weekly", "2026-06-08"),
		Kind: nudges.KindCheckIn, Action: nudges.ActLog, At: time.Date(2026, 6, 8, 8, 31, 0, 0, time.UTC), Fields: map[string]string{
			nudges.FieldMember: "l1", nudges.FieldTried: "the opening line", nudges.FieldChanged: "calmer one-to-ones",
			nudges.FieldMinutes: "20", nudges.FieldNext: "Try it in the team meeting", nudges.FieldReview: "2026-06-15"}})
	if err != nil || !r.Duplicate {
		t.Fatalf("redelivered erased reply: %+v %v", r, err)
	}
	// The file is marked: the next start rewrites it.
	if _, err := os.Stat(store.CompactPending(v.st.Path())); err != nil {
		t.Errorf("the data file is not marked for rewriting: %v", err)
	}
	// One entry for the erasure, by the admin, with what was removed and
	// nothing of whom.
	if got := v.audit(); !slices.Equal(got, []string{
		"ann@example.com erase 2 logs, 0 nudges, 0 scheduled, 1 first applications, 0 identities removed; 0 others' logs scrubbed; state removed: false ",
		"ann@example.com export one person's records ok"}) {
		t.Fatalf("audit %q", got)
	}
	_, body = v.get(c, dash.Prefix+"/audit")
	if n := strings.Count(body, "<td>erase</td>"); n != 1 || strings.Contains(body, "l1") || strings.Contains(body, `class="warn"`) {
		t.Errorf("the audit page shows the erasure %d times, names whom, or warns of a failure:\n%s", n, body)
	}
}

func TestAdmin_DigestAndCSV(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	res, body := v.post(c, dash.Prefix+"/action/digest", url.Values{"csrf": {v.csrf(c)}, "program": {"p"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Feedback that lands") {
		t.Fatalf("digest: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(body, "No L&amp;D admin is on the roster") {
		t.Errorf("digest page with no admin on the roster: %s", body)
	}
	res, body = v.get(c, dash.Prefix+"/report.csv?program=p")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "p,2026-06-01,2026-06-16,reach,,nudged,2") {
		t.Fatalf("report.csv: %d %s", res.StatusCode, body)
	}
	if got := v.audit(); !slices.Equal(got, []string{"ann@example.com report_csv p ok", "ann@example.com digest p ok"}) {
		t.Fatalf("audit %q", got)
	}
}

// The digest the dashboard sends reaches the roster's L&D admin as a
// direct message, and nobody else.
func TestAdmin_DigestSentToAdmins(t *testing.T) {
	v := newEnv(t, envOpt{admin: true})
	c := v.admin()
	ctx := context.Background()
	if err := v.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	before := [3]int{v.chat.sentTo("ann"), v.chat.sentTo("bob"), v.chat.sentTo("lee")}
	res, body := v.post(c, dash.Prefix+"/action/digest", url.Values{"csrf": {v.csrf(c)}, "program": {"p"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Sent to 1 L&amp;D admin as a direct message.") {
		t.Fatalf("digest: %d %s", res.StatusCode, body)
	}
	if err := v.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	after := [3]int{v.chat.sentTo("ann"), v.chat.sentTo("bob"), v.chat.sentTo("lee")}
	if want := [3]int{before[0], before[1], before[2] + 1}; after != want {
		t.Errorf("messages to ann, bob, lee: %v, then %v; want %v", before, after, want)
	}
}
