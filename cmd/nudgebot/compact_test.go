package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nudgebot/nudgebot/store"
)

// An erasure made while the bot ran (the dashboard's) leaves the data file
// marked; the next run rewrites the file before opening it and clears the
// mark, and the bot then runs as usual.
func TestRun_CompactsAfterAnErasureWhileRunning(t *testing.T) {
	cfg := exampleCopy(t)
	if out, _, err := runCmd(t, "", "run", "-config", cfg); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	dataPath := filepath.Join(filepath.Dir(cfg), "data", store.FileName)
	if err := store.MarkCompactPending(dataPath); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "as dana\nstatus\n", "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run after the mark: %v\n%s", err, out)
	}
	if _, err := os.Stat(store.CompactPending(dataPath)); !os.IsNotExist(err) {
		t.Errorf("the mark is still there after a run: %v", err)
	}
	if out, _, err := runCmd(t, "", "verify", "-file", dataPath); err != nil {
		t.Errorf("the rewritten file does not verify: %v\n%s", err, out)
	}
}
