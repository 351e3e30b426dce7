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

var big = flag.Bool("dash.big", false, "benchmark on 100,000 managers, 10,000 teams and 1,000,000 logs (default: a hundredth of that)")

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
	seedItems(b, st, logs, managers, start)
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
	firstDelivery := time.Duration(0)
	for _, p := range pages {
		if d := get(p); p == "/delivery" { // the figures and delivery health, computed once
			firstDelivery = d
		}
	}
	lat := map[string][]time.Duration{}
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
	stopWrites := writeWhileViewing(b, st, clock, managers, start)
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pages {
			lat[p] = append(lat[p], get(p))
		}
	}
	b.StopTimer()
	written := stopWrites()
	b.ReportMetric(float64(written), "writes")
	// Every log written while the pages were timed is in the figures.
	if got := minutes() - before; got != 5*written {
		b.Errorf("the live figures gained %d minutes; %d logs of 5 were written", got, written)
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
	b.ReportMetric(float64(firstDelivery.Milliseconds()), "first-delivery-ms")
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

// The outbox the delivery page reads: seedItems and writeWhileViewing are
// apart from BenchmarkPages so that the page's cost under writes can be
// measured without touching the rest of it.

var writesPerSecond = flag.Int("dash.writes", 0, "while pages are timed, commit this many outbox state changes and logs per second (0: none)")

// itemReasons are the permanent failures seeded, as a platform words them.
var itemReasons = []string{"channel_not_found", "not_in_channel", "account_inactive: user deactivated", "gave up after 72h0m0s (9 attempts): temporary failure"}

// seedItem is the outbox item n of a seeded rollout: most sent and
// answered, one in fifty failed for one of a few reasons, one in a hundred
// skipped.
func seedItem(n, managers int, start time.Time) *store.Item {
	at := start.Add(time.Duration(n) * 5 * time.Second)
	it := &store.Item{ID: fmt.Sprintf("n%08d", n), Manager: fmt.Sprintf("m%06d", n%managers), Kind: nudges.KindCheckIn,
		Cadence: "weekly", Program: "p", Script: "s5", ScheduledAt: at, NextAttempt: at}
	switch {
	case n%50 == 7:
		it.State, it.Attempts, it.Reason = store.Failed, 1, itemReasons[n/50%len(itemReasons)]
	case n%100 == 11:
		it.State, it.Reason = store.Skipped, "missed, and it is now outside working hours"
	default:
		it.State, it.Attempts, it.SentAt, it.Ref, it.Answered = store.Sent, 1, at, "ref", store.AnsweredLogged
	}
	return it
}

// seedItems stores n outbox items with tx.PutItem, in commits of 20,000.
func seedItems(b *testing.B, st *store.Store, n, managers int, start time.Time) {
	const perCommit = 20_000
	for batch := 0; batch*perCommit < n; batch++ {
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			for i := range min(perCommit, n-batch*perCommit) {
				if err := tx.PutItem(seedItem(batch*perCommit+i, managers, start)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// writeWhileViewing commits -dash.writes changes a second (writeOne), with
// the bot's clock running, until stop is called, and then reports how many
// it committed.
func writeWhileViewing(b *testing.B, st *store.Store, clock *testclock.Clock, managers int, start time.Time) (stop func() int) {
	if *writesPerSecond <= 0 {
		return func() int { return 0 }
	}
	done, finished := make(chan struct{}), make(chan int)
	// The bot's clock runs as the writes land: figures are brought up to
	// date as time passes.
	base, began := clock.Now(), time.Now()
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(*writesPerSecond))
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-done:
				finished <- n
				return
			case <-tick.C:
			}
			clock.SetTime(base.Add(time.Since(began)))
			err := st.Write(context.Background(), func(tx *store.Tx) error {
				return writeOne(tx, n, managers, start)
			})
			if err != nil {
				b.Error(err)
			}
			n++
		}
	}()
	return func() int { close(done); return <-finished }
}

// writeOne is the n-th change landing while pages are viewed: a new nudge
// settled (one in five failed, one in ten skipped, the rest sent), every
// tenth an earlier failure retried (failed → pending), and a coaching log.
func writeOne(tx *store.Tx, n, managers int, start time.Time) error {
	it := seedItem(n, managers, start)
	it.ID = fmt.Sprintf("w%08d", n)
	switch n % 10 {
	case 0, 5:
		it.State, it.Answered, it.SentAt, it.Reason = store.Failed, "", time.Time{}, itemReasons[n/10%len(itemReasons)]
	case 3:
		it.State, it.Answered, it.SentAt, it.Reason = store.Skipped, "", time.Time{}, "missed, and it is now outside working hours"
	case 9:
		old, err := tx.Item(fmt.Sprintf("w%08d", n-9))
		if err != nil {
			return err
		}
		if old != nil && old.State == store.Failed {
			re := *old
			re.State, re.Reason = store.Pending, "retried by an admin after: "+old.Reason
			if err := tx.UpdateItem(old, &re); err != nil {
				return err
			}
		}
	}
	if err := tx.PutItem(it); err != nil {
		return err
	}
	return tx.AddLog(&store.Log{ID: fmt.Sprint("live-", n), Manager: it.Manager, Kind: string(nudges.KindCheckIn),
		Program: "p", CreatedAt: start.Add(time.Duration(n) * time.Second), Minutes: 5,
		Answers: map[string]string{"tried": "the opening line"}})
}
