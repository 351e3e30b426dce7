package dash

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges/insight"
)

// gatedLive is a LiveBackend whose figures change on every call, and which
// can hold a call until told: a count under way, as seen from a page.
type gatedLive struct {
	mu      sync.Mutex
	ver     uint64
	gate    chan struct{} // when set, a call waits for it to close
	entered chan struct{} // when set, a call says it has begun
}

func (g *gatedLive) LiveReportSince(ctx context.Context, program string, have uint64) (insight.Report, uint64, bool, error) {
	g.mu.Lock()
	gate, entered := g.gate, g.entered
	g.mu.Unlock()
	if entered != nil {
		close(entered)
	}
	if gate != nil {
		<-gate
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ver++
	return insight.Report{Program: program, Reach: insight.Reach{Managers: int(g.ver)}}, g.ver, true, nil
}

// A view that waits for stale figures to be brought up to date, during
// whose wait the figures are dropped (an erasure), gets figures from after
// the drop, never the ones from before it.
func TestLiveFigures_WaitAcrossADropGetsFiguresFromAfterIt(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 6, 16, 9, 0, 0, 0, time.UTC)
	l := &liveFigures{now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	g := &gatedLive{}
	before, err := l.get(context.Background(), "p", g)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(liveStale) // nobody looked for a while: the next view waits
	mu.Unlock()
	entered, gate := make(chan struct{}), make(chan struct{})
	g.mu.Lock()
	g.entered, g.gate = entered, gate
	g.mu.Unlock()
	got := make(chan *figures, 1)
	go func() {
		f, err := l.get(context.Background(), "p", g)
		if err != nil {
			t.Error(err)
		}
		got <- f
	}()
	<-entered // the view's refresh has begun, from before the drop
	g.mu.Lock()
	g.entered, g.gate = nil, nil
	g.mu.Unlock()
	l.drop()
	close(gate)
	f := <-got
	l.close()
	if f == nil || f == before || f.Reach.Managers < 3 {
		t.Errorf("after a drop, the waiting view got figures from before it (version %d)", f.Reach.Managers)
	}
}
