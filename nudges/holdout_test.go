package nudges_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
)

func TestHeldOut_ShareOn100000Managers(t *testing.T) {
	for _, pct := range []float64{0, 5, 10, 33.3, 50, 100} {
		n := 0
		for i := range 100_000 {
			if nudges.HeldOut("coach", "weekly", fmt.Sprintf("m%06d", i), pct) {
				n++
			}
		}
		// The binomial standard deviation is at most 158 managers in
		// 100,000; a hash that far off is broken, not unlucky.
		if got := float64(n) / 1000; math.Abs(got-pct) > 0.5 {
			t.Errorf("holdout %.1f%%: %.2f%% of 100,000 managers held out", pct, got)
		}
	}
}

func TestHeldOut_Stable(t *testing.T) {
	// The assignment is part of the data's meaning: a manager held out
	// yesterday is held out today, after a restart, a reload or an upgrade.
	// These values pin the hash so a change to it cannot go unnoticed.
	want := map[string]bool{}
	for i := range 20 {
		want[fmt.Sprintf("m%d", i)] = false
	}
	for _, id := range []string{"m0", "m4", "m6", "m11"} {
		want[id] = true
	}
	for id, held := range want {
		if nudges.HeldOut("coach", "weekly", id, 30) != held {
			t.Errorf("%s changed groups between two calls", id)
		}
		// Raising the share only adds managers to the held-out group.
		if held && !nudges.HeldOut("coach", "weekly", id, 40) {
			t.Errorf("%s left the held-out group when the share rose", id)
		}
	}
	// Each cadence and program draws its own group.
	same := 0
	for i := range 1000 {
		id := fmt.Sprintf("m%d", i)
		if nudges.HeldOut("coach", "weekly", id, 50) == nudges.HeldOut("coach", "monthly", id, 50) {
			same++
		}
	}
	if same < 400 || same > 600 {
		t.Errorf("two cadences agree on %d of 1000 managers, want about half", same)
	}
}

// TestHeldOut_NotScheduled: a held-out manager gets no occurrence of the
// cadence they are held out of, and every other cadence as before.
func TestHeldOut_NotScheduled(t *testing.T) {
	p := planner(t, 0, "0 9 * * MON", "0 10 * * MON")
	p.Cadences[1].Holdout = 50
	held := 0
	for i := range 40 {
		m := manager(t, "UTC", "08:00-18:00")
		m.ID = fmt.Sprintf("m%d", i)
		got := occurrences(t, p, m, "2026-01-05", "2026-01-06")
		want := []string{"a@2026-01-05T09:00:00Z", "b@2026-01-05T10:00:00Z"}
		if nudges.HeldOut("p", "b", m.ID, 50) {
			held++
			want = want[:1]
		}
		equal(t, got, want)
	}
	if held == 0 || held == 40 {
		t.Fatalf("%d of 40 managers held out: the test shows nothing", held)
	}
}
