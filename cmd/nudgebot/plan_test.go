package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// recordFirstRun writes a data file for the config at path whose bot first
// ran on date, as a first start on that day would.
func recordFirstRun(tb testing.TB, path, date string) {
	tb.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := nudges.ParseDate(date)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(dataFile(cfg), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	if _, err := st.FirstRun(context.Background(), d); err != nil {
		tb.Fatal(err)
	}
}

// TestPlan_BeforeFirstRunSaysSo: with no data file, launches relative to
// the first run are counted from today, and plan says so on stderr.
func TestPlan_BeforeFirstRunSaysSo(t *testing.T) {
	cfg := exampleCopy(t)
	_, errOut, err := runCmd(t, "", "plan", "-config", cfg, "-days", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "has not run yet") || !strings.Contains(errOut, "counted from today") {
		t.Errorf("stderr = %q, want a note that launches count from today", errOut)
	}
	recordFirstRun(t, cfg, "2026-03-02")
	if _, errOut, _ := runCmd(t, "", "plan", "-config", cfg, "-days", "1"); errOut != "" {
		t.Errorf("stderr = %q once the bot has run, want nothing", errOut)
	}
}

// TestPlan_DamagedFileIsNotAFirstRun: only a missing data file means the
// bot has not run yet; an existing one that is damaged (here, empty) ends
// plan as it ends every command, with the damaged-file status and what to
// do, instead of planning as if the bot had never run.
func TestPlan_DamagedFileIsNotAFirstRun(t *testing.T) {
	cfg := exampleCopy(t)
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dataFile(c), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCmd(t, "", "plan", "-config", cfg, "-days", "1")
	if code, msg := exitStatus(err); err == nil || code != exitDamaged ||
		!strings.Contains(msg, "the data file is damaged") || !strings.Contains(msg, "restore from a backup") || strings.Contains(msg, "\n") {
		t.Fatalf("plan on an empty data file: %v (exit %d), want one line and exit %d", err, code, exitDamaged)
	}
	if out != "" || strings.Contains(errOut, "has not run yet") {
		t.Errorf("plan went on as a first run: stdout %q, stderr %q", out, errOut)
	}
}
