package main

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"
)

// exportedLogs is every coaching log of the config's data file, as export
// writes them.
func exportedLogs(t *testing.T, cfg string) []loggedRow {
	t.Helper()
	exp, _, err := runCmd(t, "", "export", "-config", cfg, "-format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var rows []loggedRow
	for _, line := range strings.Split(strings.TrimSpace(exp), "\n") {
		if line == "" {
			continue
		}
		var row loggedRow
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		rows = append(rows, row)
	}
	return rows
}

type loggedRow struct {
	Manager, Kind, Learner, Nudge string
	Minutes                       int
	Answers                       map[string]string
}

// A wrong answer in the shell's check-in form is asked again, and the
// answers given before it are kept: a review date in the past, one that is
// not a date and a share answer that is neither y nor n each cost one more
// prompt, not the whole form.
func TestShell_CheckInAsksAgainForAWrongAnswer(t *testing.T) {
	cfg := exampleCopy(t)
	past := testNow.AddDate(0, 0, -1).Format(time.DateOnly)
	review := testNow.AddDate(0, 0, 7).Format(time.DateOnly)
	script := strings.Join([]string{
		"as dana",
		"send checkin dana",
		"checkin",
		"marcus",                                 // team member
		"Used the opening line in a handover",    // what they tried
		"The handover was calmer",                // what changed
		"10",                                     // minutes
		"Try it in the weekly review",            // next action
		past,                                     // review date: in the past, asked again
		"next tuesday",                           // not a date, asked again
		review,                                   // review date
		"Marcus turned a tense escalation round", // win
		"maybe",                                  // share: neither y nor n, asked again
		"y",                                      // share
	}, "\n")
	out, _, err := runCmd(t, script, "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"  Review date (YYYY-MM-DD): " + past + "\n  ! the review date is in the past\n  Review date (YYYY-MM-DD): next tuesday\n  ! a date as YYYY-MM-DD\n  Review date (YYYY-MM-DD): " + review + "\n",
		"  Share the win with the team (y/n): maybe\n  ! answer y or n\n  Share the win with the team (y/n): y\n",
		"✓ Check-in with Marcus Lee logged (10 min). I will remind you to review \"Try it in the weekly review\" on " + review + ".",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "Nothing was saved") {
		t.Error("the form was thrown away")
	}
	var checkIns []loggedRow
	for _, row := range exportedLogs(t, cfg) {
		if row.Kind == "checkin" {
			checkIns = append(checkIns, row)
		}
	}
	want := map[string]string{
		"member": "marcus", "tried": "Used the opening line in a handover", "changed": "The handover was calmer",
		"next_action": "Try it in the weekly review", "review_date": review,
		"win": "Marcus turned a tense escalation round", "share": "yes",
	}
	if len(checkIns) != 1 || checkIns[0].Manager != "dana" || checkIns[0].Minutes != 10 || !maps.Equal(checkIns[0].Answers, want) {
		t.Fatalf("check-ins logged: %+v\nwant one of dana's, 10 min, answers %v", checkIns, want)
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// A nudge number names one manager's nudge: acting as another manager, the
// shell refuses it rather than answer someone else's nudge.
func TestShell_RefusesAnotherManagersNudgeNumber(t *testing.T) {
	cfg := exampleCopy(t)
	// At readmeNow only Dana's pledge goes out at start (#1); Amara's
	// check-in, sent next, is #2.
	script := strings.Join([]string{
		"send checkin amara",
		"as dana",
		"skip 2 team offsite",
		"snooze 2",
		"rate 2 useful",
		"checkin 2",
	}, "\n")
	out, _, err := runAt(t, readmeNow, script, "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "[#2] DM to Amara Okafor (amara) · 5-minute check-in") {
		t.Fatalf("#2 is not Amara's check-in:\n%s", out)
	}
	const refusal = "! #2 is Amara Okafor (amara)'s nudge, not yours: 'as amara' to answer it"
	if n := strings.Count(out, refusal); n != 4 {
		t.Errorf("%d refusals %q, want 4 (skip, snooze, rate, checkin):\n%s", n, refusal, out)
	}
	if strings.Contains(out, "Log check-in") {
		t.Errorf("the check-in form was opened for Amara's nudge:\n%s", out)
	}
	for _, row := range exportedLogs(t, cfg) {
		if row.Nudge != "" && row.Manager == "dana" {
			t.Errorf("a reply of Dana's was stored against a nudge: %+v", row)
		}
	}
}
