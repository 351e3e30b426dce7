package bot_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// BenchmarkReplies32Writers stores check-in replies from 32 concurrent
// writers, each returning only once its log is durable. It reports
// throughput and the 99th percentile of a caller's wait.
func BenchmarkReplies32Writers(b *testing.B) {
	v := newEnv(&testing.T{}, baseConfig, "2026-06-02T09:00:00Z")
	defer v.st.Close()
	ctx := context.Background()
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(16) // 16 × GOMAXPROCS(2) = 32 writers on this machine
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			n := seq.Add(1)
			t0 := time.Now()
			_, err := v.e.HandleReply(ctx, bot.Reply{ID: fmt.Sprint("r", n), Manager: "ann", Kind: nudges.KindCheckIn,
				Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "", "")})
			mine = append(mine, time.Since(t0))
			if err != nil {
				b.Error(err)
				return
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "replies/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkSweep10kOf100k: 100,000 managers, 10,000 of them due at once
// (09:00 in UTC; the rest are in Los Angeles, not yet due). Each iteration
// starts from the same data file and measures one sweep moving all 10,000
// into the outbox, durably.
func BenchmarkSweep10kOf100k(b *testing.B) {
	dir := b.TempDir()
	path := testroster.Write(b, dir, 100_000, func(i int) string {
		if i%10 == 0 {
			return "UTC"
		}
		return "America/Los_Angeles"
	}, "[[cadences]]\nid = \"daily\"\nkind = \"checkin\"\nprogram = \"p\"\nscript = \"s\"\nschedule = \"0 9 * * *\"\n")
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := filepath.Join(dir, "template.db")
	clk := &clock{}
	clk.Set("2026-06-02T08:00:00Z")
	st, err := store.Open(tmpl, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := bot.New(cfg, st, &fakeChat{}, bot.Options{Logger: zerolog.Nop(), Now: clk.Now}).Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	st.Close()
	clk.Set("2026-06-02T09:00:30Z")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		work := filepath.Join(dir, fmt.Sprint("work", i, ".db"))
		copyFile(b, tmpl, work)
		st, err := store.Open(work, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		e := bot.New(cfg, st, &fakeChat{}, bot.Options{Logger: zerolog.Nop(), Now: clk.Now})
		b.StartTimer()
		n, err := e.Sweep(context.Background())
		b.StopTimer()
		if err != nil || n != 10_000 {
			b.Fatalf("swept %d (%v), want 10000", n, err)
		}
		st.Close()
		os.Remove(work)
		b.StartTimer()
	}
}

func copyFile(tb testing.TB, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	// Synced: otherwise the measured commit's fdatasync would also flush the
	// whole freshly copied file, which a running bot's file never is.
	if err := out.Sync(); err != nil {
		tb.Fatal(err)
	}
	out.Close()
}
