package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
)

// TestHoldout_Schedule: with holdout_percent = 50 on the weekly check-in,
// the due table holds it for exactly the managers nudges.HeldOut keeps in,
// the same after a restart; a reload without the hold-out schedules every
// manager.
func TestHoldout_Schedule(t *testing.T) {
	withHoldout := strings.Replace(peersConfig(40), "max_reminders = 1", "max_reminders = 1\nholdout_percent = 50", 1)
	v := newEnv(t, withHoldout, "2026-06-01T07:00:00Z")
	scheduled := func() []string {
		var out []string
		for _, d := range v.due(t) {
			if d.Cadence == "checkin" {
				out = append(out, d.Manager)
			}
		}
		slices.Sort(out)
		return out
	}
	var want []string
	for _, m := range v.e.Config().Managers {
		if !nudges.HeldOut("p", "checkin", m.ID, 50) {
			want = append(want, m.ID)
		}
	}
	slices.Sort(want)
	if len(want) == 0 || len(want) == 40 {
		t.Fatalf("%d of 40 managers treated: the test shows nothing", len(want))
	}
	if got := scheduled(); !slices.Equal(got, want) {
		t.Fatalf("check-in scheduled for %v, want the treated managers %v", got, want)
	}
	v.restart(t)
	if got := scheduled(); !slices.Equal(got, want) {
		t.Fatalf("after a restart: %v, want %v", got, want)
	}
	cfg := testroster.Config(t, v.dir, peersConfig(40))
	if err := v.e.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := scheduled(); len(got) != 40 {
		t.Errorf("after a reload without the hold-out, %d of 40 managers scheduled", len(got))
	}
}
