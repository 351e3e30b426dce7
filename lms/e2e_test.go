package lms_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestXAPIClientLibrary: a third-party xAPI client (npm @xapi/xapi, run
// by node) sends, batches and voids statements over real HTTP. .ci/run
// installs node and the package; without node the test says so and skips.
func TestXAPIClientLibrary(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the end-to-end test with @xapi/xapi needs it (.ci/run installs it)")
	}
	dir, _ := filepath.Abs("testdata/xapiclient")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@xapi", "xapi")); err != nil {
		npm := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = dir
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	v := newEnv(t, baseConfig, now)
	cmd := exec.CommandContext(ctx, node, "client.mjs", v.srv.URL+"/xapi/", "moodle-key", moodleSecret)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("client: %v\n%s\n%s", err, out, stderr)
	}
	steps := map[string]json.RawMessage{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var line struct {
			Step  string          `json:"step"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("client output %q: %v", sc.Text(), err)
		}
		steps[line.Step] = line.Value
	}
	var about, single, batch []string
	json.Unmarshal(steps["about"], &about)
	json.Unmarshal(steps["single"], &single)
	json.Unmarshal(steps["batch"], &batch)
	if len(about) == 0 || len(single) != 1 || len(batch) != 3 || string(steps["wrong-secret"]) != `"refused"` {
		t.Fatalf("client steps: %s", out)
	}
	counts, _ := v.intake.Counts()
	// Priya's completion and Tom's pass schedule nudges (the base config
	// has a debrief on completed only: Tom's pass is an event nobody waits
	// for); Tom's completion was voided; the visitor is unmapped.
	if counts["event"] != 3 || counts["unmapped"] != 1 || counts["voiding"] != 1 {
		t.Errorf("counts %v", counts)
	}
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	sent := v.chat.Sent()
	if len(sent) != 1 || !strings.Contains(sent[0].Title, "Priya Shah") {
		t.Fatalf("sent %+v, want Priya's debrief only (Tom's completion was voided)", sent)
	}
}
