package teams_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/teams"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/teamsfake"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// The Teams acceptance targets, on the real engine over a bbolt file and
// the real adapter against the fake Bot Framework on loopback. Each
// benchmark's single iteration is the whole scenario:
//
//	go test ./bot/teams/ -run '^$' -bench 'TeamsDeliver|TeamsInvoke' -benchtime=1x -teams.n 10000 -teams.actions 2000
//
// The defaults are small so a quick run takes seconds; the numbers that
// matter are the reported metrics.

var (
	benchN       = flag.Int("teams.n", 250, "BenchmarkTeamsDeliver: nudges to deliver at 50 requests/s per tenant")
	benchActions = flag.Int("teams.actions", 400, "BenchmarkTeamsInvoke: card actions at 200 per second")
)

type benchEnv struct {
	watch    *watch
	cfg      *config.Config
	fake     *teamsfake.Server
	rate     float64
	st       *store.Store
	e        *bot.Engine
	a        *teams.Adapter
	url      string
	managers []string
	sent     atomic.Int64
	done     chan struct{}
}

// newBenchEnv is n managers, each with the app installed and their 1:1's
// reference kept, as on a bot that has run before.
func newBenchEnv(b *testing.B, n int, fo teamsfake.Options) *benchEnv {
	b.Helper()
	dir := b.TempDir()
	cfg, err := config.Load(testroster.Write(b, dir, n, func(int) string { return "UTC" }, ""))
	if err != nil {
		b.Fatal(err)
	}
	fo.AppID, fo.AppPassword, fo.TenantID = appID, password, tenant
	v := &benchEnv{cfg: cfg, fake: teamsfake.New(fo), rate: fo.TenantRate, watch: &watch{}}
	b.Cleanup(v.fake.Close)
	refs := map[string]string{}
	for i := range n {
		m, u := fmt.Sprintf("m%06d", i), userOf(i)
		v.managers = append(v.managers, m)
		ref, _ := json.Marshal(map[string]string{"s": v.fake.ServiceURL(), "t": tenant, "u": u, "c": v.fake.Install(u)})
		refs[m], refs[u] = string(ref), m
	}
	v.open(b, filepath.Join(cfg.DataDir, store.FileName), n, func(tx *store.Tx) error {
		for k, val := range refs {
			ns := "teams-ref"
			if k[0] == '2' {
				ns = "teams-user"
			}
			if err := tx.SetIdentity(ns, k, val); err != nil {
				return err
			}
		}
		return nil
	})
	return v
}

// open starts an adapter and an engine over the data file at path, as the
// process does; seed, when set, writes to the store before the start.
// v.done is closed once want deliveries are recorded as sent.
func (v *benchEnv) open(b *testing.B, path string, want int, seed func(*store.Tx) error) {
	b.Helper()
	var err error
	v.a, err = teams.New(teams.Options{AppID: appID, AppPassword: password, TenantID: tenant,
		OpenIDMetadata: v.fake.OpenIDMetadata(), Authority: v.fake.Authority(), TenantRate: v.rate,
		HTTPClient: &http.Client{Transport: v.watch}, Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	v.st, err = store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st := v.st
	b.Cleanup(func() { st.Close() })
	v.e = bot.New(v.cfg, v.st, v.a, bot.Options{Logger: zerolog.Nop()})
	v.sent.Store(0)
	done := make(chan struct{})
	v.done = done
	v.e.OnDelivered = func(it store.Item) {
		if it.State == store.Sent && v.sent.Add(1) == int64(want) {
			close(done)
		}
	}
	v.a.Attach(v.e)
	if seed != nil {
		if err := v.st.Write(context.Background(), seed); err != nil {
			b.Fatal(err)
		}
	}
	if err := v.e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(v.a.Handler())
	b.Cleanup(srv.Close)
	v.url = srv.URL + "/api/messages"
}

// queue makes a check-in due now for every manager.
func (v *benchEnv) queue(b *testing.B) []string {
	b.Helper()
	ids := make([]string, len(v.managers))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(ids); i = int(next.Add(1)) - 1 {
				got, err := v.e.SendNow(context.Background(), v.managers[i], nudges.KindCheckIn)
				if err != nil || len(got) != 1 {
					panic(fmt.Sprint("queue: ", err))
				}
				ids[i] = got[0]
			}
		})
	}
	wg.Wait()
	return ids
}

// deliver runs the engine until every queued nudge is recorded as sent.
func (v *benchEnv) deliver(b *testing.B) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() { _ = v.e.Run(ctx) })
	<-v.done
	d := time.Since(start)
	cancel()
	wg.Wait()
	return d
}

// BenchmarkTeamsDeliver: n nudges against a connector that allows 50
// requests a second per tenant (bursts of 5), answering 429 with
// Retry-After beyond that. Target: n/50 s × 1.05, none lost, none twice,
// no request before a Retry-After elapsed.
func BenchmarkTeamsDeliver(b *testing.B) {
	for range b.N {
		b.StopTimer()
		v := newBenchEnv(b, *benchN, teamsfake.Options{TenantRate: 50, TenantBurst: 5})
		v.queue(b)
		b.StartTimer()
		d := v.deliver(b)
		b.StopTimer()
		n := len(v.managers)
		total, viol := v.fake.Total(), v.watch.early()
		b.ReportMetric(d.Seconds(), "s")
		b.ReportMetric(d.Seconds()/(float64(n)/50), "x_ideal")
		b.ReportMetric(float64(n-total), "lost")
		b.ReportMetric(float64(total-n), "extra")
		b.ReportMetric(float64(v.fake.Throttled()), "429s")
		b.ReportMetric(float64(viol), "sent_before_retry_after")
		// Requests already on the wire when a 429 went out arrive inside
		// its window; the fake counts those too.
		b.ReportMetric(float64(len(v.fake.Violations())), "in_flight_at_429")
		b.Logf("%d nudges in %s (%.3f × n/50 s), %d 429s, %d sent inside a Retry-After, %d arrived inside one (in flight)",
			total, d, d.Seconds()/(float64(n)/50), v.fake.Throttled(), viol, len(v.fake.Violations()))
		if total != n || viol != 0 {
			b.Fatalf("%d of %d delivered; %d requests sent before Retry-After", total, n, viol)
		}
		if d.Seconds() > 1.05*float64(n)/50+1 {
			b.Errorf("took %s, over the target of %.0fs", d, 1.05*float64(n)/50)
		}
	}
}

// BenchmarkTeamsInvoke: card actions (a "useful" rating on each of the
// managers' nudges) arrive at 200 per second as signed invokes; each is
// stored before its response. Target: p99 ≤ 50 ms.
func BenchmarkTeamsInvoke(b *testing.B) {
	for range b.N {
		b.StopTimer()
		v := newBenchEnv(b, *benchActions, teamsfake.Options{TenantRate: 1e6, TenantBurst: 1e6, ConvRate: 1e6, ConvBurst: 1e6})
		ids := v.queue(b)
		v.deliver(b)
		lat := make([]time.Duration, len(ids))
		var wg sync.WaitGroup
		// Teams reuses a token for an hour: signing is the channel's cost,
		// not the bot's, and stays out of the measured time.
		auth := "Bearer " + v.fake.Sign(teamsfake.Claims{IssuedAt: time.Now()})
		tick := time.NewTicker(5 * time.Millisecond)
		b.StartTimer()
		for i, id := range ids {
			<-tick.C
			act := map[string]any{
				"type": "invoke", "name": teams.InvokeCardAction, "id": fmt.Sprintf("inv-%d", i),
				"serviceUrl": v.fake.ServiceURL(), "channelId": "msteams",
				"from":         map[string]any{"id": fmt.Sprintf("29:u%06d", i)},
				"conversation": map[string]any{"id": v.fake.Conversation(fmt.Sprintf("29:u%06d", i)), "conversationType": "personal", "tenantId": tenant},
				"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": nudges.ActUseful,
					"data": map[string]any{"nudge": id, "act": nudges.ActUseful, "kind": "checkin"}}},
			}
			wg.Go(func() {
				t0 := time.Now()
				status, _, err := teamsfake.Post(v.url, auth, act)
				lat[i] = time.Since(t0)
				if err != nil || status != 200 {
					panic(fmt.Sprint("invoke: ", status, err))
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		tick.Stop()
		var logs int
		_ = v.st.View(func(tx *store.Tx) error {
			return tx.Logs(func(*store.Log) error { logs++; return nil })
		})
		slices.Sort(lat)
		p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
		b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
		if logs != len(ids) {
			b.Fatalf("%d logs stored for %d actions", logs, len(ids))
		}
		if p(0.99) > 50*time.Millisecond {
			b.Errorf("p99 %s is over 50 ms", p(0.99))
		}
	}
}

// userOf is the Teams user id of the generated roster's manager i.
func userOf(i int) string { return fmt.Sprintf("29:u%06d", i) }

// watch is the wire as the bot uses it: it notes each 429's Retry-After
// the moment the answer comes back, and counts requests that leave while
// one is in force.
type watch struct {
	mu    sync.Mutex
	until time.Time
	n     int
}

func (w *watch) RoundTrip(req *http.Request) (*http.Response, error) {
	connector := strings.Contains(req.URL.Path, "/connector/")
	if connector {
		w.mu.Lock()
		if time.Now().Before(w.until) {
			w.n++
		}
		w.mu.Unlock()
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if connector && err == nil && resp.StatusCode == http.StatusTooManyRequests {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		w.mu.Lock()
		w.until = time.Now().Add(time.Duration(secs) * time.Second)
		w.mu.Unlock()
	}
	return resp, err
}

func (w *watch) early() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}
