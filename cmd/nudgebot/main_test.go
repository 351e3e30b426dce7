package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// exampleCopy copies config.example.toml into a fresh directory, so its
// relative data_dir points at a temporary data file.
func exampleCopy(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nudgebot.toml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCmd runs the program at testNow.
func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	return runAt(t, testNow, stdin, args...)
}

// runAt runs the program with its clock stopped at now.
func runAt(t *testing.T, now time.Time, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, withClock(fixedClock(now)))
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

func TestRun_ShellFlowFromNudgeToShoutOut(t *testing.T) {
	cfg := exampleCopy(t)
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
		review,                                   // review date
		"Marcus turned a tense escalation round", // win
		"y",                                      // share it
		"outcome marcus applied",
		"send summary dana",
		"skip 4 team offsite", // #4, the check-in, was logged already: refused
		"bogus-command",
	}, "\n")
	out, _, err := runCmd(t, script, "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"DM to Dana Whitfield (dana) · 5-minute check-in",
		"✓ Check-in with Marcus Lee logged (10 min).",
		"Your win will be shared with Operations Center.",
		"posted in ops-center · Shout-out for Marcus Lee",
		"Marcus turned a tense escalation round",
		"That is their first application",
		"posted in ops-center · Operations Center: our week in Feedback that lands",
		// Four learners: under the minimum group, the channel gets no figures.
		"Progress figures are shared here once 5 or more of us are on the program.",
		"Coaching time this week: 10 of 30 minutes (1 check-in logged).",
		"nudge: already logged; nothing to skip",
		`! unknown command "bogus-command"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}

	// The coaching log survived the bot's exit and exports.
	exp, _, err := runCmd(t, "", "export", "-config", cfg, "-format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(exp), "\n") {
		var row struct {
			ID, Manager, Kind, Program, Learner string
			CreatedAt                           string `json:"created_at"`
			Minutes                             int
			Answers                             map[string]string
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if row.Kind == "skip" {
			t.Errorf("a skip of an answered nudge was stored: %s", line)
		}
		if row.Kind == "checkin" && row.Minutes == 10 && row.Manager == "dana" && row.Answers["next_action"] == "Try it in the weekly review" {
			found = true
		}
	}
	if !found {
		t.Fatalf("check-in missing from export:\n%s", exp)
	}
	csvPath := filepath.Join(t.TempDir(), "logs.csv")
	if _, _, err := runCmd(t, "", "export", "-config", cfg, "-format", "csv", "-out", csvPath); err != nil {
		t.Fatal(err)
	}
	csvOut, _ := os.ReadFile(csvPath)
	if !strings.HasPrefix(string(csvOut), "id,manager,kind,program,learner,nudge,created_at,minutes,answers\n") ||
		!strings.Contains(string(csvOut), "Try it in the weekly review") {
		t.Fatalf("csv export:\n%s", csvOut)
	}
	if fi, _ := os.Stat(csvPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v: coaching logs must not be world-readable", fi.Mode().Perm())
	}
}

// startShell runs the bot on the shell platform with piped input and waits
// for its greeting, which it prints once the store and control socket are
// up. Closing stdin ends the bot; done reports how run returned.
func startShell(t *testing.T, ctx context.Context, cfg string) (stdin *io.PipeWriter, out *bufio.Scanner, done <-chan error) {
	t.Helper()
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"run", "-config", cfg}, stdinR, stdoutW, io.Discard, withClock(fixedClock(testNow)))
		stdoutW.Close()
	}()
	lines := bufio.NewScanner(stdoutR)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "nudgebot shell") {
	}
	return stdinW, lines, errc
}

func TestRun_WhileRunning(t *testing.T) {
	cfg := exampleCopy(t)
	stdinW, lines, done := startShell(t, context.Background(), cfg)
	go func() {
		for lines.Scan() {
		}
	}()

	t.Run("SecondBotFailsFast", func(t *testing.T) {
		_, _, err := runCmd(t, "", "run", "-config", cfg)
		if !errors.Is(err, store.ErrLocked) {
			t.Fatalf("second bot: %v, want ErrLocked", err)
		}
	})
	t.Run("Status", func(t *testing.T) {
		out, _, err := runCmd(t, "", "status", "-config", cfg)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Nudges map[string]int `json:"nudges"`
			Source string         `json:"source"`
		}
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if s.Source != "running bot" || s.Nudges["sent"] < 1 {
			t.Fatalf("status %+v, want the running bot's counts with the first pledge sent", s)
		}
		for _, k := range []string{"pending", "sent", "failed", "skipped"} {
			if _, ok := s.Nudges[k]; !ok {
				t.Errorf("status lacks %q", k)
			}
		}
	})
	t.Run("Backup", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "copy.db")
		if _, _, err := runCmd(t, "", "backup", "-config", cfg, "-out", dst); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(dst, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if c, _ := st.Counts(); c[store.Sent] < 1 {
			t.Fatalf("backup lacks the sent nudge: %v", c)
		}
	})
	t.Run("Report", func(t *testing.T) {
		// The running bot holds the file: the report reads its backup.
		out, _, err := runCmd(t, "", "report", "-config", cfg)
		if err != nil || !strings.Contains(out, `"reach"`) {
			t.Fatalf("report while running: %v\n%s", err, out)
		}
	})
	t.Run("ErasureNeedsTheBotStopped", func(t *testing.T) {
		if _, _, err := runCmd(t, "", "erase", "-config", cfg, "-person", "marcus"); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("erase while running: %v, want ErrLocked", err)
		}
	})
	stdinW.Close() // end of input: the bot drains and exits cleanly
	if err := <-done; err != nil {
		t.Fatalf("run after end of input: %v", err)
	}
	// Stopped: status reads the data file itself.
	out, _, err := runCmd(t, "", "status", "-config", cfg)
	if err != nil || !strings.Contains(out, `"source": "data file"`) {
		t.Fatalf("status without a bot: %v\n%s", err, out)
	}
}

func TestCheckConfig(t *testing.T) {
	t.Run("Example", func(t *testing.T) {
		out, _, err := runCmd(t, "", "check-config", "-config", "../../config.example.toml")
		if err != nil || !strings.Contains(out, "ok (1 programs, 8 cadences, 3 managers, 2 teams)") {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("Problems", func(t *testing.T) {
		path := "../../config/testdata/bad_timezone.toml"
		out, _, err := runCmd(t, "", "check-config", "-config", path)
		if exitCode(err) != 2 {
			t.Fatalf("exit %d (%v), want 2", exitCode(err), err)
		}
		want := path + `:17: managers[0].timezone: unknown time zone "Europe/Londn"`
		if !strings.HasPrefix(out, want) {
			t.Fatalf("got %q, want a line starting %q", out, want)
		}
	})
	t.Run("MissingFile", func(t *testing.T) {
		_, _, err := runCmd(t, "", "check-config", "-config", filepath.Join(t.TempDir(), "none.toml"))
		if exitCode(err) != 2 {
			t.Fatalf("exit %d, want 2", exitCode(err))
		}
	})
	t.Run("Help", func(t *testing.T) {
		_, errOut, err := runCmd(t, "", "check-config", "-h")
		if exitCode(err) != 0 || !strings.Contains(errOut, "Usage: nudgebot check-config") {
			t.Fatalf("exit %d, usage %q", exitCode(err), errOut)
		}
	})
}

func TestPlan(t *testing.T) {
	cfg := exampleCopy(t)
	recordFirstRun(t, cfg, "2026-03-02") // the plan counts the program from it, as the bot does
	out, _, err := runCmd(t, "", "plan", "-config", cfg, "-from", "2026-03-02", "-days", "14", "-manager", "amara")
	if err != nil {
		t.Fatal(err)
	}
	type line struct{ Manager, Kind, Cadence, Local, UTC string }
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var pl line
		if err := json.Unmarshal([]byte(l), &pl); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, pl)
	}
	// London moves to BST on 29 March; these two weeks are GMT, so local
	// and UTC agree. Amara's first Monday pledge: 09:00 on 2 March.
	if len(got) == 0 || got[0].Manager != "amara" || got[0].Local != "2026-03-02T09:00:00Z" && got[0].Local != "2026-03-02T09:00:00+00:00" {
		t.Fatalf("first planned nudge %+v", got)
	}
	for _, l := range got {
		if l.Manager != "amara" || l.UTC == "" || l.Kind == "" || l.Cadence == "" {
			t.Fatalf("bad line %+v", l)
		}
	}
	if _, _, err := runCmd(t, "", "plan", "-config", cfg, "-from", "2026-02-30"); exitCode(err) != 2 {
		t.Fatalf("bad -from: exit %d", exitCode(err))
	}
}

func TestRun_StopsOnSignalWithInputOpen(t *testing.T) {
	cfg := exampleCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdinW, lines, done := startShell(t, ctx, cfg) // a terminal nobody types into
	defer stdinW.Close()
	go func() {
		for lines.Scan() {
		}
	}()
	cancel() // SIGINT / SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after a stop signal: %v", err)
		}
	case <-time.After(time.Minute): // a hang guard, not a speed assertion
		t.Fatal("the shell kept waiting for input after a stop signal")
	}
	// It closed the store cleanly: a new bot can open it.
	if _, _, err := runCmd(t, "", "status", "-config", cfg); err != nil {
		t.Fatal(err)
	}
}

// hupAndWait sends the test process (the bot) SIGHUP and waits until the
// bot's log at logPath gains a line containing one of wants; it returns
// what the log gained.
func hupAndWait(t *testing.T, logPath string, wants ...string) string {
	t.Helper()
	before, _ := os.ReadFile(logPath)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The bot logs the outcome of every reload; wait for that line.
	for {
		now, _ := os.ReadFile(logPath)
		gained := string(now[len(before):])
		for _, want := range wants {
			if strings.Contains(gained, want) {
				return gained
			}
		}
		time.Sleep(5 * time.Millisecond) // poll interval; the loop waits for the line itself
	}
}

func TestRun_ReloadOnHUPKeepsOldConfigWhenInvalid(t *testing.T) {
	cfg := exampleCopy(t)
	stdinW, lines, done := startShell(t, context.Background(), cfg)
	good, _ := os.ReadFile(cfg)
	logPath := filepath.Join(filepath.Dir(cfg), "data", "nudgebot.log")
	// A broken file: the old configuration keeps running.
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(good), `timezone = "Asia/Kolkata"`, `timezone = "Asia/Kolkatta"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	hupAndWait(t, logPath, "reload failed; keeping the running configuration")
	// A good file with a new manager: applied.
	extra := string(good) + "\n[[managers]]\nid = \"zoe\"\nname = \"Zoe Park\"\ntimezone = \"Europe/Paris\"\n"
	if err := os.WriteFile(cfg, []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}
	hupAndWait(t, logPath, "configuration reloaded")
	go func() {
		fmt.Fprintln(stdinW, "as zoe") // the new manager exists in the running bot
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
		t.Error("the reloaded roster's new manager is unknown to the running bot")
	}
	logged, _ := os.ReadFile(logPath)
	if !strings.Contains(string(logged), `unknown time zone \"Asia/Kolkatta\"`) {
		t.Errorf("the failed reload's reason is not in the log")
	}
}

func TestRun_SlackFailsFastOnBadToken(t *testing.T) {
	// A fake Slack that rejects every token, as auth.test does for a
	// revoked one.
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	defer fake.Close()
	raw, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(raw), `platform = "shell"`, `platform = "slack"`, 1)
	text = strings.Replace(text, `# api_url = "https://slack.com/api/"`, fmt.Sprintf("api_url = %q", fake.URL+"/api/"), 1)
	cfg := filepath.Join(t.TempDir(), "nudgebot.toml")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("Missing", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "")
		t.Setenv("SLACK_APP_TOKEN", "")
		_, _, err := runCmd(t, "", "run", "-config", cfg)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			t.Fatalf("exit %d: %v", exitCode(err), err)
		}
	})
	t.Run("Rejected", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "xoxb-revoked-123")
		t.Setenv("SLACK_APP_TOKEN", "xapp-1-abc")
		_, _, err := runCmd(t, "", "run", "-config", cfg)
		if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
			t.Fatalf("run with a rejected token: %v", err)
		}
		if strings.Contains(err.Error(), "xoxb-revoked-123") {
			t.Fatalf("the token leaked into the error: %v", err)
		}
		// Nothing ran: no data file was created.
		if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "data", "nudgebot.db")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the bot opened its store before checking the token (%v)", err)
		}
	})
}
