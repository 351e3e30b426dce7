package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges/insight"
)

func TestReport(t *testing.T) {
	cfg := exampleCopy(t)
	review := testNow.AddDate(0, 0, 7).Format(time.DateOnly)
	script := strings.Join([]string{
		"as dana",
		"send checkin dana",
		"checkin", "marcus", "Used the opening line", "Calmer handover", "10", "Try it weekly", review, "", "n",
		"outcome marcus applied",
		"send pledge amara",
	}, "\n")
	if out, _, err := runCmd(t, script, "run", "-config", cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	out, _, err := runCmd(t, "", "report", "-config", cfg)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var r insight.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	if r.Program != "feedback" || r.To.String() != "2026-11-25" || r.MinGroup != 5 {
		t.Errorf("report of %s to %s (min group %d)", r.Program, r.To, r.MinGroup)
	}
	if r.Reach.Nudged != 3 || r.Reach.Answered != 1 || r.Reach.Coached != 1 {
		t.Errorf("reach = %+v, want all 3 nudged (the kickoff pledge), dana answered and coached", r.Reach)
	}
	for _, m := range r.Managers {
		if m.Manager == "dana" && (m.Minutes != 10 || m.CheckIns != 1) {
			t.Errorf("dana = %+v, want one check-in of 10 minutes", m)
		}
	}
	// Dana's team has four learners, one under the minimum group: the
	// report, which L&D passes around, withholds its figures.
	for _, tm := range r.Teams {
		if tm.Team == "ops-center" && (!tm.Hidden || tm.Applied != 0 || tm.Counted != 0) {
			t.Errorf("ops-center (4 learners) is shown: %+v", tm)
		}
	}
	if strings.Contains(out, "Marcus") || strings.Contains(out, "marcus") {
		t.Errorf("the report names a learner:\n%s", out)
	}

	csvOut, _, err := runCmd(t, "", "report", "-config", cfg, "-format", "csv", "-from", "2026-11-01", "-to", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"program,from,to,section,id,figure,value\n",
		"feedback,2026-11-01,2026-11-30,reach,,coached,1\n",
		"feedback,2026-11-01,2026-11-30,team,ops-center,hidden_below_min_group,5\n",
		"feedback,2026-11-01,2026-11-30,manager,dana,checkins,1\n"} {
		if !strings.Contains(csvOut, want) {
			t.Errorf("csv lacks %q:\n%s", want, csvOut)
		}
	}
	exp, _, err := runCmd(t, "", "report", "-config", cfg, "-experiments")
	if err != nil || strings.TrimSpace(exp) != "null" {
		t.Errorf("-experiments with no hold-out: %v %q", err, exp)
	}
}

func TestReport_BadInput(t *testing.T) {
	cfg := exampleCopy(t)
	if _, _, err := runCmd(t, "", "report", "-config", cfg); err == nil || !strings.Contains(err.Error(), "has not run yet") {
		t.Errorf("report with no data file: %v", err)
	}
	if _, _, err := runCmd(t, "send checkin dana\n", "run", "-config", cfg); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-format", "xml"},
		{"-program", "nope"},
		{"-from", "2026-13-01"},
		{"-from", "2026-11-20", "-to", "2026-11-19"},
		{"extra"},
	} {
		_, _, err := runCmd(t, "", append([]string{"report", "-config", cfg}, args...)...)
		if exitCode(err) != 2 {
			t.Errorf("report %v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

func TestShell_Digest(t *testing.T) {
	cfg := exampleCopy(t)
	script := strings.Join([]string{"as dana", "digest", "as ravi", "digest"}, "\n")
	out, _, err := runCmd(t, script, "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"The digest goes to L&D admins on the roster",
		"✓ Your digest of 1 program is on its way as a direct message.",
		"DM to Ravi Menon (ravi) · Weekly digest: Feedback that lands",
		"Reach: 3 of 3 managers nudged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DM to Dana Whitfield (dana) · Weekly digest") {
		t.Errorf("the digest reached a manager who is no admin:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "posted in") && strings.Contains(line, "digest") {
			t.Errorf("the digest was posted in a channel: %s", line)
		}
	}
}

// TestShell_Hold: a manager can stop the nudges and have them back from
// the shell; while stopped, nothing reaches their DMs.
func TestShell_Hold(t *testing.T) {
	cfg := exampleCopy(t)
	// Stopped before the check-in is queued: whenever the bot delivers it,
	// it is held back.
	out, _, err := runCmd(t, "as dana\nhold stop\nsend checkin dana\n", "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Stopped: no more nudges.") || strings.Contains(out, "DM to Dana Whitfield (dana) · 5-minute check-in") {
		t.Errorf("stop, then a check-in for Dana:\n%s", out)
	}
	// An hour later (a send now is named by its instant).
	out, _, err = runAt(t, testNow.Add(time.Hour), "as dana\nhold maybe\nhold keep\nsend checkin dana\n", "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{"answer keep, pause or stop, not \"maybe\"", "Great: the nudges keep coming.", "DM to Dana Whitfield (dana) · 5-minute check-in"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
