package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun_ReloadThatNeedsARestartSaysSo: a reload that changes data_dir,
// http.listen or chat.platform applies the rest, keeps the running values
// of those, and says a restart is needed rather than "configuration
// reloaded".
func TestRun_ReloadThatNeedsARestartSaysSo(t *testing.T) {
	cfg := exampleCopy(t)
	stdinW, lines, done := startShell(t, context.Background(), cfg)
	good, _ := os.ReadFile(cfg)
	logPath := filepath.Join(filepath.Dir(cfg), "data", "nudgebot.log")

	text := strings.Replace(string(good), `data_dir = "data"`, `data_dir = "elsewhere"`, 1)
	text = strings.Replace(text, `platform = "shell"`, `platform = "teams"`, 1)
	text = strings.Replace(text, `listen = ""`, `listen = "127.0.0.1:0"`, 1)
	// A Teams configuration must be complete to load at all.
	text = strings.Replace(text, `app_id = ""`, `app_id = "00000000-0000-0000-0000-0000000000a1"`, 1)
	text = strings.Replace(text, `tenant_id = ""`, `tenant_id = "11111111-1111-1111-1111-111111111111"`, 1)
	t.Setenv("MICROSOFT_APP_PASSWORD", "not-used")
	text += "\n[[managers]]\nid = \"zoe\"\nname = \"Zoe Park\"\ntimezone = \"Europe/Paris\"\n"
	if !strings.Contains(text, `data_dir = "elsewhere"`) || !strings.Contains(text, `platform = "teams"`) || !strings.Contains(text, `listen = "127.0.0.1:0"`) {
		t.Fatal("the example config no longer has the lines this test changes")
	}
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// Whatever the outcome, the bot logs it.
	if got := hupAndWait(t, logPath, "need a restart", "configuration reloaded", "reload failed"); !strings.Contains(got, "need a restart") {
		t.Errorf("the reload did not say a restart is needed:\n%s", got)
	}
	go func() {
		fmt.Fprintln(stdinW, "as zoe") // the rest of the new configuration applies
		stdinW.Close()
	}()
	switched := false
	for lines.Scan() {
		switched = switched || strings.Contains(lines.Text(), "acting as Zoe Park (zoe)")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !switched {
		t.Error("the reload did not apply the new manager")
	}
	logged, _ := os.ReadFile(logPath)
	for _, want := range []string{`data_dir (still \"`, `http.listen (still \"\")`, `chat.platform (still \"shell\")`} {
		if !strings.Contains(string(logged), want) {
			t.Errorf("the log does not name %s", want)
		}
	}
	if strings.Contains(string(logged), "configuration reloaded") || strings.Contains(string(logged), "reload failed") {
		t.Errorf("the log reports a plain reload or a failure:\n%s", logged)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "elsewhere")); err == nil {
		t.Error("the running bot started using the new data_dir")
	}
}
