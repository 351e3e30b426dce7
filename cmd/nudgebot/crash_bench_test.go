package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/internal/slackfake"
	"github.com/nudgebot/nudgebot/store"
)

var (
	crashN = flag.Int("nudgebot.crash.n", 100,
		"BenchmarkCrashTrials: managers, each due one pledge at start")
	crashTerm = flag.Int("nudgebot.crash.term", 10,
		"BenchmarkCrashTrials: trials stopped with SIGTERM during the fan-out")
	crashKill = flag.Int("nudgebot.crash.kill", 20,
		"BenchmarkCrashTrials: trials stopped with SIGKILL during the fan-out")
	crashRate = flag.Float64("nudgebot.crash.workspace", 50,
		"BenchmarkCrashTrials: chat.postMessage per second the fake allows across the workspace (and the bot's workspace_rate)")
	crashTiers = flag.Bool("nudgebot.crash.tiers", false,
		"BenchmarkCrashTrials: also hold the other methods to Slack's tiers (Tier 3 50/min: a first run then takes minutes per trial)")
	crashLatency = flag.Duration("nudgebot.crash.latency", 150*time.Millisecond,
		"BenchmarkCrashTrials: how long the fake takes to answer chat.postMessage (after storing the message), so a stop finds posts in flight")
	crashFaults = flag.Bool("nudgebot.crash.faults", false,
		"BenchmarkCrashTrials: add Faults2000's mix (20% 5xx before, 20% 503 after taking effect, 10% 429 on every method)")
	crashTrialTimeout = flag.Duration("nudgebot.crash.trial", 5*time.Minute,
		"BenchmarkCrashTrials: how long one trial may take to deliver everything after its restart")
)

// crashGrace is how long the bot may take to exit after SIGTERM: the
// run command's shutdownGrace for its loops, then the same for the
// adapter's own work.
const crashGrace = 2 * shutdownGrace

// BenchmarkCrashTrials builds the nudgebot binary once and, for each
// trial, starts `nudgebot run` in Slack HTTP mode against a slackfake on
// loopback (per channel 1/s, workspace -nudgebot.crash.workspace with
// bursts of 3; chat.postMessage answered after -nudgebot.crash.latency,
// as Slack takes its time; optionally Faults2000's faults) with a fresh
// data file and a roster of
// -nudgebot.crash.n managers (emails only) each due an enrolment pledge at
// once (working all day, every day, so the hour does not matter). When a
// quarter of the nudges are posted it stops the bot with SIGTERM (the
// -nudgebot.crash.term trials) or SIGKILL (the -nudgebot.crash.kill ones),
// starts it again, and waits until every nudge is posted; then it stops
// the bot with SIGTERM and compares the data file with the fake.
//
// It reports duplicates (nudges posted more than once), lost (never
// posted), the trials whose data file does not record every nudge as sent
// once the last bot stopped (it is stopped as soon as Slack holds every
// nudge, so a post still in flight then counts here), the slowest exit after SIGTERM
// against the grace (crashGrace) and how many exceeded it, and the time
// from each restart to its first new post (the worst and the median).
// Run it with -benchtime=1x.
func BenchmarkCrashTrials(b *testing.B) {
	b.StopTimer()
	bin := filepath.Join(b.TempDir(), "nudgebot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	type result struct {
		sig                string
		dup, extra, lost   int
		exit, resume       time.Duration // exit: after SIGTERM only
		overGrace, notSent bool
	}
	var results []result
	for range b.N {
		for i := range *crashTerm + *crashKill {
			sig, name := syscall.SIGTERM, "term"
			if i >= *crashTerm {
				sig, name = syscall.SIGKILL, "kill"
			}
			r := result{sig: name}
			b.StartTimer()
			t := crashTrial(b, bin, *crashN, sig, uint64(i))
			b.StopTimer()
			r.dup, r.extra, r.lost, r.exit, r.resume, r.overGrace, r.notSent = t.tally.Duplicated, t.tally.Extra, t.lost, t.exit, t.resume, t.exit > crashGrace, t.notSent > 0
			b.Logf("trial %d (%s): %d duplicated (%d extra DMs), %d lost, %d not sent in the store; exit %s; first post %s after the restart",
				i, name, r.dup, r.extra, r.lost, t.notSent, t.exit.Round(time.Millisecond), t.resume.Round(time.Millisecond))
			results = append(results, r)
		}
	}
	for _, sig := range []string{"term", "kill"} {
		var dup, extra, lost, notSent, over, trials int
		var exit time.Duration
		var resumes []time.Duration
		for _, r := range results {
			if r.sig != sig {
				continue
			}
			trials++
			dup, extra, lost = dup+r.dup, extra+r.extra, lost+r.lost
			exit = max(exit, r.exit)
			resumes = append(resumes, r.resume)
			if r.notSent {
				notSent++
			}
			if r.overGrace {
				over++
			}
		}
		if trials == 0 {
			continue
		}
		slices.Sort(resumes)
		b.ReportMetric(float64(trials), sig+"-trials")
		b.ReportMetric(float64(dup), sig+"-duplicates")
		b.ReportMetric(float64(extra), sig+"-extra-DMs")
		b.ReportMetric(float64(lost), sig+"-lost")
		b.ReportMetric(float64(notSent), sig+"-trials-store-disagrees")
		b.ReportMetric(resumes[len(resumes)/2].Seconds(), sig+"-resume-p50-s")
		b.ReportMetric(resumes[len(resumes)-1].Seconds(), sig+"-resume-max-s")
		if sig == "term" {
			b.ReportMetric(exit.Seconds(), "term-exit-max-s")
			b.ReportMetric(float64(over), "term-over-grace")
		}
	}
}

// trial is what one crash trial found.
type trial struct {
	tally         slackfake.Tally
	lost, notSent int
	exit, resume  time.Duration
}

func crashTrial(b *testing.B, bin string, n int, sig syscall.Signal, seed uint64) trial {
	b.Helper()
	limits := slackfake.Limits{Channel: slackfake.Rate{PerSecond: 1, Burst: 3}, Workspace: slackfake.Rate{PerSecond: *crashRate, Burst: 3}}
	if *crashTiers {
		limits = slackfake.Slack(*crashRate, 3)
	}
	faults := slackfake.Faults{Seed: seed, Methods: map[string]slackfake.Fault{
		"chat.postMessage": {Slow: 1, Delay: *crashLatency},
	}}
	if *crashFaults {
		mix := slackfake.Fault{Before: 0.2, After: 0.2, RateLimited: 0.1}
		faults.All = mix
		mix.Slow, mix.Delay = 1, *crashLatency
		faults.Methods["chat.postMessage"] = mix
		// Spared: a start that fails on auth.test is another matter
		// (the bot exits), and a trial needs its bot running.
		faults.Methods["auth.test"] = slackfake.Fault{}
	}
	fake := slackfake.New(slackfake.Options{Limits: limits, Faults: faults})
	defer fake.Close()
	dir := b.TempDir()
	ids := make([]string, n)
	for i := range n {
		m := fmt.Sprintf("m%06d", i)
		fake.AddUser(slackfake.User{ID: fmt.Sprintf("U%07d", i), Name: m, Email: m + "@example.com", TZ: "UTC"})
	}
	addr := freeAddr(b)
	path := writeCrashConfig(b, dir, n, fake.URL(), addr)
	var t trial

	p := startBot(b, bin, path, dir)
	waitFor(b, p, 2*time.Minute, "a quarter of the nudges posted", func() bool { return fake.Counts().Nudges >= max(1, n/4) })
	sent := time.Now()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		t.exit = time.Since(sent)
	case <-time.After(crashGrace + 20*time.Second):
		t.exit = time.Since(sent)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if sig == syscall.SIGKILL {
		t.exit = 0
	}

	restarted := time.Now()
	seen := len(fake.Snapshot().Requests)
	deadline := time.Now().Add(*crashTrialTimeout)
	for fake.Counts().Nudges < n && time.Now().Before(deadline) {
		p = startBot(b, bin, path, dir)
		waitFor(b, p, time.Until(deadline), "every nudge posted", func() bool { return fake.Counts().Nudges >= n })
		// Then until the bot itself knows: a post answered 503 after it
		// was stored is sent only once its check has read the history.
		waitFor(b, p, time.Until(deadline), "the outbox settled", func() bool { return outboxSettled(addr) })
		stopBot(b, p)
	}
	s := fake.Snapshot()
	for _, r := range s.Requests[seen:] {
		if r.Method == "chat.postMessage" && r.Status == 200 && r.Error == "" {
			t.resume = r.Received.Sub(restarted)
			break
		}
	}
	// The nudges are the items the bot created: read their ids from the
	// data file, now that no bot holds it.
	st, err := store.Open(filepath.Join(dir, "data", store.FileName), store.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ids = ids[:0]
	if err := st.View(func(tx *store.Tx) error {
		return tx.Items(func(it *store.Item) error {
			ids = append(ids, it.ID)
			if it.State != store.Sent {
				t.notSent++
			}
			return nil
		})
	}); err != nil {
		b.Fatal(err)
	}
	if len(ids) != n {
		b.Errorf("the data file holds %d nudges, want %d (one each)", len(ids), n)
	}
	t.tally = s.Tally(ids)
	t.lost = t.tally.Lost + t.tally.Unknown
	return t
}

// botProc is a running nudgebot process.
type botProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

func startBot(b *testing.B, bin, config, dir string) *botProc {
	b.Helper()
	logPath := filepath.Join(dir, fmt.Sprintf("run-%d.log", time.Now().UnixNano()))
	logf, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-config", config)
	cmd.Env = append(os.Environ(), "SLACK_BOT_TOKEN="+slackfake.Token, "SLACK_SIGNING_SECRET=crash-trial-signing-secret")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &botProc{cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	return p
}

// stopBot ends p with SIGTERM, or SIGKILL when it outlives its grace.
func stopBot(b *testing.B, p *botProc) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(crashGrace + 20*time.Second):
		b.Errorf("the bot did not exit within %s of SIGTERM", crashGrace+20*time.Second)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitFor polls cond until it holds; it fails the benchmark when p exits
// first or timeout passes.
func waitFor(b *testing.B, p *botProc, timeout time.Duration, what string, cond func() bool) {
	b.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-p.done:
			if cond() {
				return
			}
			raw, _ := os.ReadFile(p.log)
			b.Fatalf("the bot exited (%v) before %s; its log:\n%s", p.cmd.ProcessState, what, raw)
		case <-deadline.C:
			stopBot(b, p)
			b.Fatalf("gave up waiting %s for %s; the bot's log, without its deliveries:\n%s", timeout, what, logSummary(p.log))
		case <-tick.C:
		}
	}
}

// writeCrashConfig writes a Slack HTTP-mode config and a roster of n
// managers (emails only, all day every day in UTC) whose enrolment
// pledge is due at start.
func writeCrashConfig(b *testing.B, dir string, n int, apiURL, listen string) string {
	b.Helper()
	f, err := os.Create(filepath.Join(dir, "roster.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "team_id,team_name,team_channel,manager_id,manager_name,manager_email,manager_timezone,working_days,working_hours,member_id,member_name")
	for i := range n {
		fmt.Fprintf(w, "t%06d,Team %d,C%07d,m%06d,Manager %d,m%06d@example.com,UTC,mon;tue;wed;thu;fri;sat;sun,00:00-24:00,l%06d,Learner %d\n",
			i, i, i, i, i, i, i, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	cfg := fmt.Sprintf(`data_dir = "data"
[chat]
platform = "slack"
[slack]
mode = "http"
api_url = %q
workspace_rate = %g
[http]
listen = %q
[defaults]
timezone = "UTC"
max_nudges_per_day = 5
[log]
level = "warn"
format = "json"
[[programs]]
id = "p"
name = "Program"
launch = "2026-01-05"
weeks = 52
[[cadences]]
id = "kickoff"
kind = "pledge"
program = "p"
event = "enrolled"
delay = "0s"
[roster]
csv = "roster.csv"
`, apiURL, *crashRate, listen)
	path := filepath.Join(dir, "nudgebot.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}
