package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
)

// TestPause_NeverWritesTheLiveConfig runs pause and resume against readers
// of the configuration (a home screen, composing a nudge) at once: under
// -race, a pause that resolved launches or pause flags on the configuration
// in force is a data race. The launch is relative to the first run, the
// case that used to be rewritten on every pause.
func TestPause_NeverWritesTheLiveConfig(t *testing.T) {
	v := newEnv(t, strings.Replace(baseConfig, `launch = "2026-06-01"`, `launch = "first-run-8d"`, 1), "2026-06-01T08:00:00Z")
	ctx := context.Background()
	ids, err := v.e.SendNow(ctx, "ann", nudges.KindCheckIn)
	if err != nil {
		t.Fatal(err)
	}
	v.flush(t)
	before := v.e.Config()

	const rounds = 20
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range rounds {
			if err := v.e.SetPaused(ctx, "p", i%2 == 0); err != nil {
				t.Errorf("SetPaused: %v", err)
			}
		}
	})
	wg.Go(func() {
		for range rounds {
			if _, err := v.e.Overview("ann"); err != nil {
				t.Errorf("Overview: %v", err)
			}
			if _, _, err := v.e.Nudge("ann", ids[0]); err != nil {
				t.Errorf("Nudge: %v", err)
			}
		}
	})
	wg.Wait()

	// The last round resumed the program (i = 19): the configuration in
	// force says so, and the one readers held before never changed.
	if v.e.Config().Program("p").Paused {
		t.Error("program still paused after the last resume")
	}
	if before.Program("p").Paused || before == v.e.Config() {
		t.Error("pause wrote the configuration readers held instead of swapping in a new one")
	}
	if got := v.e.Config().Program("p").Launch; got != mustDate(t, "2026-05-24") {
		t.Errorf("launch = %s, want 2026-05-24 (first run - 8 days)", got)
	}
}
