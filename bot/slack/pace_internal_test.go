package slack

import "testing"

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
