package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPerson_ExportThenErase: Dana logs a check-in about Marcus and his
// first application; export -person marcus returns them; erase -person
// marcus leaves nothing of him in the raw data file, and after he leaves
// the roster and the bot runs again, still nothing.
func TestPerson_ExportThenErase(t *testing.T) {
	cfg := exampleCopy(t)
	review := testNow.AddDate(0, 0, 7).Format(time.DateOnly)
	script := strings.Join([]string{
		"as dana", "send checkin dana",
		"checkin", "marcus", "Marcus Lee used the opening line", "Calmer handover", "10", "Try it weekly", review,
		"Marcus turned an escalation round", "y",
		"outcome marcus applied",
		"checkin", "sofia", "Sofia watched Marcus do it", "She tried it too", "5", "Again on Friday", review, "", "n",
	}, "\n")
	if out, _, err := runCmd(t, script, "run", "-config", cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	out, _, err := runCmd(t, "", "export", "-config", cfg, "-person", "marcus")
	if err != nil {
		t.Fatalf("export -person: %v", err)
	}
	var exp struct {
		Person  struct{ ID, Name, Email, Role, Team string }
		Records struct {
			Logs []struct {
				ID, Kind string
				Answers  map[string]string
			}
			FirstApplications map[string]struct{ Log string } `json:"first_applications"`
			Mentions          []string                        `json:"mentioned_in_logs"`
		}
	}
	if err := json.Unmarshal([]byte(out), &exp); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if exp.Person.Name != "Marcus Lee" || exp.Person.Role != "learner" || exp.Person.Team != "ops-center" {
		t.Errorf("person = %+v", exp.Person)
	}
	kinds := map[string]bool{}
	for _, l := range exp.Records.Logs {
		kinds[l.Kind] = true
	}
	if !kinds["checkin"] || !kinds["assignment"] || len(exp.Records.FirstApplications) != 1 || len(exp.Records.Mentions) != 1 {
		t.Errorf("export lacks records: %s", out)
	}

	dataPath := filepath.Join(filepath.Dir(cfg), "data", "nudgebot.db")
	out, errOut, err := runCmd(t, "", "erase", "-config", cfg, "-person", "marcus")
	if err != nil {
		t.Fatalf("erase: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "erased marcus: 2 logs") || !strings.Contains(errOut, "still on the roster") {
		t.Errorf("erase said %q / %q", out, errOut)
	}
	traces := []string{"marcus", "marcus lee", "marcus.lee@example.com"}
	scan := func(when string) {
		t.Helper()
		raw, err := os.ReadFile(dataPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range traces {
			if bytes.Contains(bytes.ToLower(raw), []byte(s)) {
				t.Errorf("%s: the data file holds %q", when, s)
			}
		}
	}
	scan("after erase")

	// He leaves the roster; the bot runs again over the same file.
	toml, _ := os.ReadFile(cfg)
	toml = bytes.Replace(toml, []byte(`  { id = "marcus", name = "Marcus Lee", email = "marcus.lee@example.com" },`+"\n"), nil, 1)
	if err := os.WriteFile(cfg, toml, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "as dana\ninbox\n", "run", "-config", cfg); err != nil {
		t.Fatalf("run after erase: %v\n%s", err, out)
	}
	scan("after a restart")
	// The audit log keeps the export and the erasure, and not who.
	audit, _, err := runCmd(t, "", "audit", "-config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(audit, `"action":"export"`) || !strings.Contains(audit, `"action":"erase"`) || strings.Contains(strings.ToLower(audit), "marcus") {
		t.Errorf("audit log:\n%s", audit)
	}
	// Sofia's check-in stays, with Marcus's name gone from it.
	var sofia bool
	for _, r := range exportedLogs(t, cfg) {
		if r.Learner == "sofia" && r.Answers["tried"] == "Sofia watched [erased] do it" {
			sofia = true
		}
	}
	if !sofia {
		t.Errorf("Sofia's check-in was lost or not scrubbed: %+v", exportedLogs(t, cfg))
	}
}

func TestPerson_BadInput(t *testing.T) {
	cfg := exampleCopy(t)
	if _, _, err := runCmd(t, "send checkin dana\n", "run", "-config", cfg); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(filepath.Dir(cfg), "data", "nudgebot.db"))
	for _, args := range [][]string{
		{"erase", "-config", cfg},
		{"erase", "-config", cfg, "-person", "nobody"},
		{"export", "-config", cfg, "-person", "nobody"},
		{"erase", "-config", cfg, "-person", "marcus", "extra"},
	} {
		_, _, err := runCmd(t, "", args...)
		if exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args[:1], exitCode(err), err)
		}
	}
	after, _ := os.ReadFile(filepath.Join(filepath.Dir(cfg), "data", "nudgebot.db"))
	if !bytes.Equal(before, after) {
		t.Error("a refused erase changed the data file")
	}
}
