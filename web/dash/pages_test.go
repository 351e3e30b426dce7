package dash_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/web/dash"
)

// Every page renders the seeded figures.
func TestPages_ShowSeededFigures(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.viewer()
	for path, want := range map[string][]string{
		"/":                            {"week 3 of 12", `id="managers">2<`, `id="nudged">2<`, `id="answered">1<`, `id="coached">1<`, "<svg", "Learners applied"},
		"/teams":                       {`id="team-t1"`, "<td class=\"n\">5</td>", "20% / 60%", "withheld: fewer than 5 learners", "20 / 30"},
		"/flags":                       {"Red flags", "Bright spots"},
		"/effect":                      {"<td>weekly</td>", "No cadence holds anyone out"},
		"/delivery":                    {"<td>sent</td><td class=\"n\">2</td>", "Everyone is reachable", "No learning statement has arrived"},
		"/calendar":                    {"2026-06-22", "<td>09:30</td><td>ann</td><td>checkin</td><td>weekly</td>", "<td>09:30</td><td>bob</td>"},
		"/calendar?manager=bob&days=7": {"<td>bob</td>", "1 nudges planned"},
		"/logs":                        {"the opening line", "calmer one-to-ones", `<a href="/dashboard/logs?person=l1">l1</a>`},
		"/logs?person=bob":             {"No logs match"},
		"/logs?q=OPENING":              {"the opening line"},
		"/audit":                       {"No admin has acted yet"},
	} {
		res, body := v.get(c, dash.Prefix+path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, res.StatusCode)
			continue
		}
		for _, w := range want {
			contains(t, body, w)
		}
		if t.Failed() {
			t.Fatalf("%s:\n%s", path, body)
		}
	}
	res, body := v.get(c, dash.Prefix+"/calendar?team=nope")
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown team: %d %s", res.StatusCode, body)
	}
}

func TestAPI_ReportAndPagedLogs(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.viewer()
	res, body := v.get(c, dash.Prefix+"/api/report?program=p")
	var rep struct {
		Reach struct{ Managers, Nudged, Answered, Coached int }
		Teams []struct {
			Team   string
			Hidden bool
		}
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil || res.StatusCode != 200 {
		t.Fatalf("report: %d %v", res.StatusCode, err)
	}
	if rep.Reach.Nudged != 2 || rep.Reach.Coached != 1 || len(rep.Teams) != 2 || !rep.Teams[1].Hidden {
		t.Fatalf("report: %+v", rep)
	}
	if res, _ := v.get(c, dash.Prefix+"/api/report?program=nope"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown program: %d", res.StatusCode)
	}
	// Ann's two logs and one of Bob's: three pages of one.
	_, _ = v.e.HandleReply(t.Context(), noteReply("reply-2", "bob", "remember the offsite"))
	var ids []string
	next := ""
	for range 4 {
		_, body := v.get(c, dash.Prefix+"/api/logs?limit=1&after="+next)
		var page struct {
			Logs []struct{ ID string }
			Next string
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, l := range page.Logs {
			ids = append(ids, l.ID)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"reply-1", "reply-outcome", "reply-2"}) {
		t.Fatalf("paged logs: %v", ids)
	}
	if res, _ := v.get(c, dash.Prefix+"/api/logs?after=zz"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad cursor: %d", res.StatusCode)
	}
}

// Figures for a range other than launch to today are computed from the
// data file: pages show the figures last computed; once they are older
// than a minute the next view recomputes them in the background, and the
// view after that shows the new ones.
func TestFigures_RefreshedInTheBackground(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.viewer()
	page := dash.Prefix + "/?to=2026-06-30"
	_, body := v.get(c, page)
	contains(t, body, `id="answered">1<`)
	v.answerBob(t)
	_, body = v.get(c, page)
	contains(t, body, `id="answered">1<`) // still the cached figures
	v.clock.SetTime(v.clock.Now().Add(2 * time.Minute))
	_, body = v.get(c, page) // stale: served, and recomputed
	contains(t, body, `id="answered">1<`)
	v.d.Close() // the recomputation has finished
	_, body = v.get(c, page)
	contains(t, body, `id="answered">2<`)
}

// The figures from launch to today are the engine's live ones. While L&D
// keeps reading, a view a second after a reply is served at once and
// brings the figures up to date in the background; the next view shows
// the reply. Nothing is read again from the data file.
func TestFigures_LiveReplyShowsOnTheViewAfter(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.viewer()
	_, body := v.get(c, dash.Prefix+"/")
	contains(t, body, `id="answered">1<`)
	counts := v.e.LiveCounts()
	v.answerBob(t)
	_, body = v.get(c, dash.Prefix+"/")
	contains(t, body, `id="answered">1<`) // less than a second on
	v.clock.SetTime(v.clock.Now().Add(time.Second))
	_, body = v.get(c, dash.Prefix+"/")
	contains(t, body, `id="answered">1<`) // served at once, brought up to date behind it
	v.d.Close()
	_, body = v.get(c, dash.Prefix+"/")
	contains(t, body, `id="answered">2<`)
	if n := v.e.LiveCounts() - counts; n != 0 {
		t.Errorf("a reply made the figures be counted from the file again (%d times)", n)
	}
}

// Figures nobody has looked at for a while are brought up to date before
// the page shows them: the first view after a pause is never out of date.
func TestFigures_FirstViewAfterAPauseIsUpToDate(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.viewer()
	_, body := v.get(c, dash.Prefix+"/")
	contains(t, body, `id="answered">1<`)
	v.answerBob(t)
	v.clock.SetTime(v.clock.Now().Add(10 * time.Second))
	_, body = v.get(c, dash.Prefix+"/")
	contains(t, body, `id="answered">2<`)
}

// answerBob: Bob skips his check-in, for a holiday.
func (v *env) answerBob(t *testing.T) {
	t.Helper()
	nudge := nudges.NudgeID("bob", "weekly", "2026-06-08")
	if _, err := v.e.HandleReply(t.Context(), bot.Reply{ID: "reply-bob", Manager: "bob", Nudge: nudge, Kind: nudges.KindCheckIn,
		Action: nudges.ActSkip, At: v.clock.Now(), Fields: map[string]string{nudges.FieldReason: "holiday"}}); err != nil {
		t.Fatal(err)
	}
}

// An erasure from the dashboard shows at once: the very next report, in
// the same second, holds nothing of the manager erased (who stays on the
// roster, with no figures).
func TestFigures_ErasedManagerGoneFromTheNextReport(t *testing.T) {
	v := newEnv(t, envOpt{})
	c := v.admin()
	ann := func() insight.ManagerFigures {
		t.Helper()
		_, body := v.get(c, dash.Prefix+"/api/report?program=p")
		var rep insight.Report
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatal(err)
		}
		for _, m := range rep.Managers {
			if m.Manager == "ann" {
				return m
			}
		}
		t.Fatalf("ann is not in the report: %s", body)
		return insight.ManagerFigures{}
	}
	if m := ann(); m.Minutes != 20 || m.CheckIns != 1 {
		t.Fatalf("before the erasure, ann: %+v", m)
	}
	res, body := v.post(c, dash.Prefix+"/action/erase", url.Values{"csrf": {v.csrf(c)}, "person": {"ann"}, "confirm": {"yes"}, "typed": {"ann"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("erase: %d %s", res.StatusCode, body)
	}
	if m := ann(); m.Minutes != 0 || m.CheckIns != 0 || m.Weeks != 0 {
		t.Errorf("after the erasure, ann: %+v", m)
	}
}

// Warm counts the figures before anyone asks: the first page finds them
// counted.
func TestFigures_WarmCountsBeforeTheFirstPage(t *testing.T) {
	v := newEnv(t, envOpt{})
	v.d.Warm()
	v.d.Close() // the count has finished
	counts := v.e.LiveCounts()
	if counts != 1 {
		t.Fatalf("after Warm, %d counts", counts)
	}
	_, body := v.get(v.viewer(), dash.Prefix+"/")
	contains(t, body, `id="answered">1<`)
	if v.e.LiveCounts() != counts {
		t.Error("the first page counted the figures again")
	}
}
