package slack

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// A tier's pace stays at Slack's documented minimum however many of its
// calls are answered 429 (each is waited out through its Retry-After),
// while the workspace's message pace still slows down for them. With one
// history read in ten answered 429, the tier's pace used to sink to a
// tenth of it: a check of an unsure nudge every 12 s instead of every
// 1.3 s.
func TestPacer_TierKeepsItsPaceThrough429s(t *testing.T) {
	p := newPacer(50)
	for _, m := range []string{"conversations.history", "users.conversations", "conversations.open"} {
		want := p.methods[m].limit()
		for range 50 {
			p.hold(m, 0)
			for range 9 {
				p.passed(m)
			}
		}
		if got := p.methods[m].limit(); got != want {
			t.Errorf("%s: pace %.3f/s after 50 429s, want the tier's %.3f/s", m, float64(got), float64(want))
		}
	}
	before := p.workspace.limit()
	p.hold("chat.postMessage", 0)
	if got := p.workspace.limit(); got >= before {
		t.Errorf("posts: pace %.2f/s after a 429, want below %.2f/s", float64(got), float64(before))
	}
}

// A call that leaves late after its slot (a busy machine wakes its
// goroutine late) does not let the next one follow it closer than the
// pace: at bursts of one that would be a 429, and a second's hold of
// every post. (FirstRun2000 at bursts of 1 on a loaded machine: 18
// answers 429 and 72 s without this, 7 and 52 s with it.)
func TestPacer_NextCallIsSpacedFromWhenTheLastLeft(t *testing.T) {
	const interval = 20 * time.Millisecond
	a := newAIMD(rate.Every(interval), floorShare)
	ctx := context.Background()
	if d, err := a.take(ctx); d != 0 || err != nil {
		t.Fatalf("first slot in %s, %v; want at once", d, err)
	}
	time.Sleep(interval * 3 / 4) // the first call is held up past its slot
	left := time.Now()
	if err := a.spaced(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if gap := time.Since(left); gap < interval {
		t.Fatalf("the next call left %s after the late one, want at least the pace's %s", gap, interval)
	}
}
