package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/store"
)

// skipCounter records the sweep's skip codes, as the metric does.
type skipCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *skipCounter) add(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[code]++
}

func (c *skipCounter) get(code string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[code]
}

// TestDailyCap_DeferralIsBounded: an event nudge that loses every day to a
// full cap waits at most max_defer, then is recorded as skipped with the
// reason, and counted; it is never deferred for ever.
func TestDailyCap_DeferralIsBounded(t *testing.T) {
	cfg := strings.Replace(baseConfig, "max_nudges_per_day = 3", "max_nudges_per_day = 1\nmax_defer = \"3d\"", 1)
	cfg = strings.Replace(cfg, `schedule = "30 9 * * mon"`, `schedule = "30 9 * * *"`, 1) // every day's one slot is planned
	v := newEnv(t, cfg, "2026-06-05T08:00:00Z")
	var skips skipCounter
	v.e.OnSkipped = skips.add
	// Saturday's completion: the debrief falls due Monday 09:00 BST.
	if _, err := v.e.HandleEvent(context.Background(), bot.LearningEvent{Learner: "tom", Verb: "completed", Module: "M1", At: time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	debriefs := func() (sent, skipped []store.Item) {
		for _, it := range v.items(t) {
			if it.Learner != "tom" {
				continue
			}
			if it.State == store.Skipped {
				skipped = append(skipped, it)
			} else {
				sent = append(sent, it)
			}
		}
		return sent, skipped
	}
	for _, day := range []string{"08", "09", "10"} { // Monday to Wednesday: deferred to the next day
		v.clock.Set("2026-06-" + day + "T08:00:00Z")
		v.flush(t)
		v.clock.Set("2026-06-" + day + "T08:30:00Z")
		v.flush(t)
		if sent, skipped := debriefs(); len(sent)+len(skipped) != 0 {
			t.Fatalf("2026-06-%s: debrief sent %d, skipped %d; want it still waiting", day, len(sent), len(skipped))
		}
	}
	// Thursday is full too, the last day within 3 days of Monday: the
	// debrief is skipped, not pushed to Friday.
	v.clock.Set("2026-06-11T08:00:00Z")
	v.flush(t)
	sent, skipped := debriefs()
	if len(sent) != 0 || len(skipped) != 1 || !strings.Contains(skipped[0].Reason, "daily cap") {
		t.Fatalf("Thursday: debrief sent %v, skipped %v; want it skipped for the daily cap", sent, skipped)
	}
	if got := skips.get(bot.SkipDailyCap); got != 1 {
		t.Errorf("daily_cap skips counted %d, want 1", got)
	}
	for _, d := range v.due(t) {
		if d.Cadence == "debrief" {
			t.Errorf("debrief still in the due table at %s", d.At)
		}
	}
}

// TestCatchUp_SkipsAreCounted: a nudge skipped by catch-up after downtime
// is reported with its reason code, so an operator can see it.
func TestCatchUp_SkipsAreCounted(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-05T08:00:00Z")
	var skips skipCounter
	v.e.OnSkipped = skips.add
	v.clock.Set("2026-06-08T15:00:00Z") // Monday's 09:30 check-in, missed by 6.5 hours
	v.flush(t)
	if got := skips.get(bot.SkipCatchUp); got != 1 {
		t.Errorf("catch_up skips counted %d, want 1", got)
	}
	if c, _ := v.st.Counts(); c[store.Skipped] != 1 {
		t.Errorf("%d skipped items, want 1", c[store.Skipped])
	}
}
