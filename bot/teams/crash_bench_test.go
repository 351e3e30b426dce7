package teams_test

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/internal/teamsfake"
	"github.com/nudgebot/nudgebot/store"
)

var crashN = flag.Int("teams.crash.n", 400, "BenchmarkTeamsCrash: nudges due at once")

// BenchmarkTeamsCrash measures what a crash between posting and recording
// costs on Teams, which cannot be asked what a conversation holds. While
// n nudges go out (the connector answering 50 ms after storing each), the
// data file is copied the instant a quarter are posted: that copy is the
// disk of a bot killed then. From then on the connector takes nothing
// (the dead bot's last requests are lost with it). A new bot starts on
// the copy and delivers the rest. Every nudge must arrive; those posted
// but not recorded at the crash are posted again, and their number is
// bounded by what was in flight: the engine's window (about 2 × 16
// workers).
func BenchmarkTeamsCrash(b *testing.B) {
	for range b.N {
		b.StopTimer()
		v := newBenchEnv(b, *crashN, teamsfake.Options{TenantRate: 50, TenantBurst: 5, Latency: 50 * time.Millisecond})
		v.queue(b)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { _ = v.e.Run(ctx) })
		<-v.fake.Reached(*crashN / 4)
		snap := filepath.Join(b.TempDir(), "crashed.db")
		if _, err := v.st.BackupFile(snap); err != nil {
			b.Fatal(err)
		}
		v.fake.Inject(teamsfake.Fault{Status: http.StatusServiceUnavailable, Count: 1 << 30})
		cancel()
		wg.Wait()
		v.st.Close()
		v.fake.ClearFaults()
		before := v.fake.Total()

		// The new bot on the crashed disk.
		var inFlight, notSent int
		st, err := store.Open(snap, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		_ = st.View(func(tx *store.Tx) error {
			return tx.Items(func(it *store.Item) error {
				if it.State == store.Sending {
					inFlight++
				}
				if it.State != store.Sent {
					notSent++
				}
				return nil
			})
		})
		st.Close()
		b.StartTimer()
		v.open(b, snap, notSent, nil)
		ctx, cancel = context.WithCancel(context.Background())
		wg.Go(func() { _ = v.e.Run(ctx) })
		<-v.done
		cancel()
		wg.Wait()
		b.StopTimer()

		lost, dup := 0, 0
		for i := range *crashN {
			switch n := len(v.fake.Messages(v.fake.Conversation(userOf(i)))); {
			case n == 0:
				lost++
			case n > 1:
				dup += n - 1
			}
		}
		b.ReportMetric(float64(before), "posted_at_crash")
		b.ReportMetric(float64(inFlight), "in_flight_at_crash")
		b.ReportMetric(float64(dup), "resent")
		b.ReportMetric(float64(lost), "lost")
		if lost > 0 || dup > inFlight {
			b.Fatalf("%d lost, %d resent with %d in flight at the crash", lost, dup, inFlight)
		}
	}
}
