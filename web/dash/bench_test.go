package dash_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
	"github.com/nudgebot/nudgebot/web/dash/botsrc"
)

var (
	big    = flag.Bool("dash.big", false, "benchmark on 100,000 managers, 10,000 teams and 1,000,000 logs (default: a hundredth of that)")
	writes = flag.Int("dash.writes", 0, "coaching logs stored per second while pages are timed (0: none)")
)

// writeBigRoster writes a config of managers, the first teams of them
// leading a team of ten learners (CSV roster), the rest on their own.
func writeBigRoster(b *testing.B, dir string, managers, teams int) string {
	f, err := os.Create(filepath.Join(dir, "roster.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "team_id,team_name,team_channel,manager_id,manager_name,manager_timezone,working_days,working_hours,member_id,member_name")
	for i := range teams {
		for j := range 10 {
			fmt.Fprintf(w, "t%05d,Team %d,chan-%d,m%06d,Manager %d,Europe/London,mon;tue;wed;thu;fri,09:00-17:00,l%06d-%d,Learner %d\n", i, i, i, i, i, i, j, j)
		}
	}
	w.Flush()
	f.Close()
	var cfg strings.Builder
	cfg.WriteString(`data_dir = "data"
[roster]
csv = "roster.csv"
[log]
level = "warn"
[[programs]]
id = "p"
name = "Program"
launch = "2026-03-02"
weeks = 20
[[scripts]]
id = "s5"
title = "Quick one"
minutes = 5
questions = ["What did you try?", "What changed?"]
[[cadences]]
id = "weekly"
kind = "checkin"
program = "p"
script = "s5"
schedule = "30 9 * * mon"
`)
	for i := teams; i < managers; i++ {
		fmt.Fprintf(&cfg, "[[managers]]\nid = \"m%06d\"\nname = \"Manager %d\"\n", i, i)
	}
	path := filepath.Join(dir, "nudgebot.toml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkPages: each dashboard page over real HTTP, once the figures are
// computed (-dash.big for the full-size data set). Reports each page's p95,
// the worst, the first computation of the figures, and RSS.
func BenchmarkPages(b *testing.B) {
	managers, teams, logs := 1_000, 100, 10_000
	if *big {
		managers, teams, logs = 100_000, 10_000, 1_000_000
	}
	dir := b.TempDir()
	path := writeBigRoster(b, dir, managers, teams)
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	clock := &testclock.Clock{}
	clock.Set("2026-05-12T10:00:00Z") // week 11
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	e := bot.New(cfg, st, &fakeChat{}, bot.Options{Now: clock.Now, Logger: zerolog.Nop()})
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const perCommit = 20_000
	for batch := 0; batch*perCommit < logs; batch++ {
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := range min(perCommit, logs-batch*perCommit) {
				n := batch*perCommit + i
				m := n % managers
				l := &store.Log{ID: fmt.Sprint("seed-", n), Manager: fmt.Sprintf("m%06d", m), Kind: string(nudges.KindCheckIn),
					Program: "p", CreatedAt: start.Add(time.Duration(n) * 5 * time.Second), Minutes: 10,
					Answers: map[string]string{"tried": "the opening line", "changed": "calmer 1:1s"}}
				if m < teams {
					l.Learner = fmt.Sprintf("l%06d-%d", m, n%10)
				}
				if err := tx.AddLog(l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Restart on the seeded file, as a bot would: the seeding's memory is
	// not the bot's.
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	if st, err = store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{}); err != nil {
		b.Fatal(err)
	}
	e = bot.New(cfg, st, &fakeChat{}, bot.Options{Now: clock.Now, Logger: zerolog.Nop()})
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	baseAnon := rssMB("RssAnon:")
	d, err := dash.New(dash.Options{Backend: botsrc.New(e), AdminToken: adminToken, Now: clock.Now, ReportMaxAge: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d)
	defer srv.Close()
	v := &env{t: b, srv: srv}
	c := v.client()
	_, page := v.get(c, dash.Prefix+"/login")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	v.post(c, dash.Prefix+"/login/token", map[string][]string{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "token": {adminToken}})
	c.CheckRedirect = nil

	pages := []string{"/", "/teams", "/teams?offset=5000", "/flags", "/effect", "/delivery", "/calendar", "/calendar?program=p&days=28",
		"/logs", "/logs?person=m000042", "/logs?q=opening", "/audit", "/actions"}
	get := func(p string) time.Duration {
		t0 := time.Now()
		res, err := c.Get(srv.URL + dash.Prefix + p)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", p, res.StatusCode)
		}
		return time.Since(t0)
	}
	cold := get("/")
	for _, p := range pages {
		get(p) // the figures and delivery health, computed once
	}
	minutes := func() int {
		r, _, err := e.LiveReport(ctx, "p")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, w := range r.Weeks {
			n += w.Minutes
		}
		return n
	}
	before := minutes()
	stop := keepWriting(b, st, clock, managers, *writes)
	defer stop()
	lat := map[string][]time.Duration{}
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pages {
			lat[p] = append(lat[p], get(p))
		}
	}
	b.StopTimer()
	written := stop()
	if *writes > 0 {
		b.ReportMetric(float64(written), "logs-written")
		// Every log written while the pages were timed is in the figures.
		if got := minutes() - before; got != 5*written {
			b.Errorf("the live figures gained %d minutes; %d logs of 5 were written", got, written)
		}
	}
	worst := time.Duration(0)
	for _, p := range pages {
		ds := lat[p]
		slices.Sort(ds)
		p95 := ds[min(len(ds)-1, len(ds)*95/100)]
		worst = max(worst, p95)
		if testing.Verbose() {
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.Logf("%-28s p95 %6.1f ms, max %6.1f ms (n=%d)", p, ms(p95), ms(ds[len(ds)-1]), len(ds))
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-p95-ms")
	b.ReportMetric(float64(cold.Milliseconds()), "first-report-ms")
	// RssAnon is the bot's own memory; RssFile adds the data file's pages
	// the report scan touched (page cache, which the kernel reclaims).
	b.ReportMetric(rssMB("VmRSS:"), "RSS-MB")
	b.ReportMetric(rssMB("RssAnon:"), "anon-RSS-MB")
	b.ReportMetric(rssMB("RssAnon:")-baseAnon, "dash-anon-MB")
	b.ReportMetric(rssMB("VmHWM:"), "peak-RSS-incl-seeding-MB")
}

// rssMB reads a memory figure of this process from /proc (0 elsewhere).
func rssMB(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// keepWriting stores coaching logs at perSecond, ten to a commit, as
// managers answer while L&D reads, with the bot's clock running; stop
// ends it and returns how many were stored.
func keepWriting(b *testing.B, st *store.Store, clock *testclock.Clock, managers, perSecond int) (stop func() int) {
	if perSecond <= 0 {
		return func() int { return 0 }
	}
	done, finished := make(chan struct{}), make(chan int)
	base, began := clock.Now(), time.Now()
	go func() {
		n := 0
		tick := time.NewTicker(10 * time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for {
			select {
			case <-done:
				finished <- n
				return
			case <-tick.C:
			}
			now := base.Add(time.Since(began))
			clock.SetTime(now)
			err := st.Write(context.Background(), func(tx *store.Tx) error {
				for k := range 10 {
					m := (n + k) * 7919 % managers
					l := &store.Log{ID: fmt.Sprint("live-", n+k), Manager: fmt.Sprintf("m%06d", m), Kind: string(nudges.KindCheckIn),
						Program: "p", CreatedAt: now, Minutes: 5, Answers: map[string]string{"tried": "a question"}}
					if err := tx.AddLog(l); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Error(err)
			}
			n += 10
		}
	}()
	var once sync.Once
	total := 0
	return func() int {
		once.Do(func() {
			close(done)
			total = <-finished
		})
		return total
	}
}
