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

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// BenchmarkReport10kTeams1MLogs runs `nudgebot report` end to end, in a
// child process so its peak RSS is its own, over a data file with 10,000
// managers, 200,000 delivered nudges, 1,000,000 coaching logs and 5,000
// first applications: reading the file included, which the insight
// package's benchmark leaves out. NUDGEBOT_BENCH_DIR keeps the seeded data
// between runs.
func BenchmarkReport10kTeams1MLogs(b *testing.B) {
	dir := os.Getenv("NUDGEBOT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "nudgebot.toml")
	if _, err := os.Stat(path); err != nil {
		path = testroster.Write(b, dir, 10_000, zone, benchCadences)
		seedReport(b, path)
	}
	var wall time.Duration
	var rssKB, anonKB int
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReportChild$")
		cmd.Env = append(os.Environ(), "NUDGEBOT_REPORT_CONFIG="+path)
		var out strings.Builder
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, &out, os.Stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("child: %v\n%s", err, out.String())
		}
		wall = time.Since(t0)
		i := strings.Index(out.String(), "peak-rss-kb ")
		if i < 0 {
			b.Fatalf("child did not report its peak RSS: %q", out.String())
		}
		if _, err := fmt.Sscanf(out.String()[i:], "peak-rss-kb %d", &rssKB); err != nil {
			b.Fatal(err)
		}
		if j := strings.Index(out.String(), "anon-rss-kb "); j >= 0 {
			fmt.Sscanf(out.String()[j:], "anon-rss-kb %d", &anonKB)
		}
	}
	b.ReportMetric(float64(wall.Milliseconds()), "report-ms")
	b.ReportMetric(float64(rssKB)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(anonKB)/1024, "end-anon-RSS-MB")
}

// TestReportChild is the child of the report benchmark; it does nothing
// unless that benchmark started it.
func TestReportChild(t *testing.T) {
	path := os.Getenv("NUDGEBOT_REPORT_CONFIG")
	if path == "" {
		return
	}
	if err := run(context.Background(), []string{"report", "-config", path}, strings.NewReader(""), io.Discard, os.Stderr, withClock(fixedClock(testNow))); err != nil {
		t.Fatal(err)
	}
	printMemory(t)
}

// seedReport fills the data file: per manager, 20 weekly check-in nudges
// delivered and 100 logs answering them, spread over the 20 weeks before
// testNow; every other learner with a first application.
func seedReport(b *testing.B, path string) {
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
	start := testNow.Add(-20 * 7 * 24 * time.Hour)
	const managers, perCommit = 10_000, 500
	for from := 0; from < managers; from += perCommit {
		if err := st.Write(ctx, func(tx *store.Tx) error {
			for m := from; m < from+perCommit; m++ {
				mgr, learner := fmt.Sprintf("m%06d", m), fmt.Sprintf("l%06d", m)
				for w := range 20 {
					sent := start.Add(time.Duration(w)*7*24*time.Hour + time.Duration(m%3600)*time.Second)
					id := fmt.Sprintf("n-%d-%d", m, w)
					if err := tx.PutItem(&store.Item{ID: id, Manager: mgr, Kind: nudges.KindCheckIn, Cadence: "checkin", Program: "p",
						Script: "s", ScheduledAt: sent, NextAttempt: sent, SentAt: sent, State: store.Sent}); err != nil {
						return err
					}
					for k := range 5 {
						l := &store.Log{ID: fmt.Sprintf("r-%d-%d-%d", m, w, k), Manager: mgr, Nudge: id, Program: "p",
							CreatedAt: sent.Add(time.Duration(k+1) * time.Hour), Answers: map[string]string{}}
						switch k {
						case 0:
							l.Kind, l.Learner, l.Minutes = "checkin", learner, 15
							l.Answers["member"], l.Answers["tried"] = learner, "the opening line"
						case 1:
							l.Kind, l.Answers["rating"] = "rating", []string{nudges.ActUseful, nudges.ActNotUseful}[(m+w)%2]
						case 2:
							l.Kind, l.Answers["kept"], l.Answers["pledge"] = "pledge", []string{"yes", "partly", "no"}[(m+w)%3], "ask first"
						case 3:
							l.Kind, l.Answers["reason"] = "skip", []string{"no time", "holiday"}[(m+w)%2]
						default:
							l.Kind, l.Answers["note"] = "note", "went well"
						}
						if err := tx.AddLog(l); err != nil {
							return err
						}
					}
				}
				if m%2 == 0 {
					if err := tx.SetFirstApplication("p", learner, store.FirstApplication{Date: nudges.DateOf(start.Add(30 * 24 * time.Hour)), Manager: mgr}); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
