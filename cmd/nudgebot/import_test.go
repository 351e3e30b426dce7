package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportEvents(t *testing.T) {
	cfg := exampleCopy(t)
	day := testNow.Format("2006-01-02")
	csv := "email,lms_id,activity,name,timestamp\n" +
		"priya.shah@example.com,,https://lms.example.com/course/view.php?id=7,Module 1," + day + "\n" +
		",1042,https://cmi5.example.com/courses/ask-first/au/3,Module 2," + day + "\n" +
		"nobody@example.com,,https://lms.example.com/course/view.php?id=7,Module 1," + day + "\n"
	file := filepath.Join(filepath.Dir(cfg), "completions.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "", "import-events", "-config", cfg, "-file", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "3 statements read, 3 new, 0 already stored") {
		t.Errorf("first import: %q", out)
	}
	// Again: nothing new, nothing scheduled twice.
	out, _, err = runCmd(t, "", "import-events", "-config", cfg, "-file", file)
	if err != nil || !strings.Contains(out, "3 statements read, 0 new, 3 already stored, 0 nudges") {
		t.Errorf("second import: %q, %v", out, err)
	}
	// A damaged file changes nothing and says where.
	bad := filepath.Join(filepath.Dir(cfg), "bad.csv")
	os.WriteFile(bad, []byte("email,activity,timestamp\nx@example.com,not-an-iri,"+day+"\n"), 0o600)
	if _, _, err := runCmd(t, "", "import-events", "-config", cfg, "-file", bad); err == nil || !strings.Contains(err.Error(), "CSV line 2") ||
		!strings.Contains(err.Error(), "nothing was stored") {
		t.Errorf("bad file: %v", err)
	}
	if _, _, err := runCmd(t, "", "import-events", "-config", cfg); exitCode(err) != 2 {
		t.Errorf("without -file: exit %d, want 2", exitCode(err))
	}
}
