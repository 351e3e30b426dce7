package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// zones spreads the generated managers over zones with and without DST.
var zones = []string{"Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"}

func zone(i int) string { return zones[i%len(zones)] }

const benchCadences = `
[[cadences]]
id = "checkin"
kind = "checkin"
program = "p"
script = "s"
schedule = "30 9 * * tue"
[[cadences]]
id = "pledge"
kind = "pledge"
program = "p"
schedule = "0 9 * * mon"
[[cadences]]
id = "summary"
kind = "summary"
program = "p"
schedule = "0 16 * * fri"
`

// BenchmarkPlan100kManagers14Days runs the whole plan command: loading a
// 100,000-manager roster and writing its two-week calendar as JSON lines.
func BenchmarkPlan100kManagers14Days(b *testing.B) {
	path := testroster.Write(b, b.TempDir(), 100_000, zone, benchCadences)
	lines := 0
	for b.Loop() {
		var out countWriter
		if err := run(context.Background(), []string{"plan", "-config", path, "-from", "2026-06-01", "-days", "14"}, nil, &out, io.Discard, withClock(fixedClock(testNow))); err != nil {
			b.Fatal(err)
		}
		lines = out.lines
	}
	if lines != 100_000*6 {
		b.Fatalf("%d planned nudges, want 600000 (3 weekly cadences × 2 weeks × 100k)", lines)
	}
}

type countWriter struct{ lines int }

func (c *countWriter) Write(p []byte) (int, error) {
	c.lines += strings.Count(string(p), "\n")
	return len(p), nil
}

// BenchmarkColdStart100kManagers1MLogs starts the real bot (the run
// command, shell platform, input closed) as a child process on a data file
// holding a 100,000-manager schedule and 1,000,000 coaching logs, and
// reports its wall time and peak resident memory. The child starts, sweeps,
// delivers what is due, drains and exits: start-up must not scan the logs.
func BenchmarkColdStart100kManagers1MLogs(b *testing.B) {
	// NUDGEBOT_BENCH_DIR keeps the seeded data between runs (seeding a
	// million logs takes a while); by default it is a fresh temp dir.
	dir := os.Getenv("NUDGEBOT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "nudgebot.toml")
	if _, err := os.Stat(path); err != nil {
		path = testroster.Write(b, dir, 100_000, zone, benchCadences)
		seedColdStart(b, path)
	}
	var wall time.Duration
	var rssKB int
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestColdStartChild$")
		cmd.Env = append(os.Environ(), "NUDGEBOT_COLD_START_CONFIG="+path)
		var out strings.Builder
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, &out, os.Stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("child: %v\n%s", err, out.String())
		}
		wall = time.Since(t0)
		// The child reports its own peak: rusage's maxrss would include
		// this (large) parent's memory, shared until the child's exec.
		if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "peak-rss-kb "):], "peak-rss-kb %d", &rssKB); err != nil {
			b.Fatalf("child did not report its peak RSS: %q", out.String())
		}
	}
	b.ReportMetric(float64(wall.Milliseconds()), "start-ms")
	b.ReportMetric(float64(rssKB)/1024, "peak-RSS-MB")
}

// TestColdStartChild is the child of the cold-start benchmark; it does
// nothing unless that benchmark started it.
func TestColdStartChild(t *testing.T) {
	path := os.Getenv("NUDGEBOT_COLD_START_CONFIG")
	if path == "" {
		return
	}
	if err := run(context.Background(), []string{"run", "-config", path}, strings.NewReader(""), io.Discard, os.Stderr, withClock(fixedClock(testNow))); err != nil {
		t.Fatal(err)
	}
	printMemory(t)
}

// printMemory is how a benchmark's child tells its parent its memory: its
// peak RSS, and its anonymous RSS now (the data file's pages it read count
// in RSS too, mapped and reclaimable: its own memory is RssAnon), and
// every Rss line with NUDGEBOT_RSS_DETAIL set.
func printMemory(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Rss") && os.Getenv("NUDGEBOT_RSS_DETAIL") != "" {
			fmt.Println(line)
		}
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("peak-rss-kb %s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			fmt.Printf("anon-rss-kb %s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}

// seedColdStart brings the data file to the state of a bot that has run for
// a while: schedule in place, a million coaching logs.
func seedColdStart(b *testing.B, path string) {
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := bot.New(cfg, st, nil, bot.Options{Logger: zerolog.Nop()}).Start(ctx); err != nil {
		b.Fatal(err)
	}
	at := time.Now().Add(-90 * 24 * time.Hour)
	const perCommit = 20_000
	for batch := 0; batch < 1_000_000/perCommit; batch++ {
		if err := st.Write(ctx, func(tx *store.Tx) error {
			for i := range perCommit {
				n := batch*perCommit + i
				m := n % 100_000
				if err := tx.AddLog(&store.Log{
					ID: fmt.Sprint("seed-", n), Manager: fmt.Sprintf("m%06d", m), Kind: string(nudges.KindCheckIn),
					Program: "p", Learner: fmt.Sprintf("l%06d", m), CreatedAt: at.Add(time.Duration(n) * time.Second), Minutes: 10,
					Answers: map[string]string{"tried": "the opening line", "changed": "calmer 1:1s", "next_action": "try it again"},
				}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
