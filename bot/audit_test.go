package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// TestAudit_AdminActions: sends, pauses and resumes, retries, reloads and
// digests each leave one audit entry, at the engine's time, naming no
// manager or learner.
func TestAudit_AdminActions(t *testing.T) {
	v := newEnv(t, digestConfig, "2026-06-17T10:00:00Z")
	ctx := context.Background()
	sendNow(t, v, nudges.KindCheckIn)
	for _, step := range []func() error{
		func() error { return v.e.SetPaused(ctx, "p", true) },
		func() error { return v.e.SetPaused(ctx, "p", false) },
		func() error { _, err := v.e.RetryFailed(ctx); return err },
		func() error { return v.e.Reload(ctx, v.cfg) },
		func() error { _, err := v.e.SendDigest(ctx, "lin"); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.Audits(func(a store.Audit) error {
			if !a.At.Equal(v.clock.Now()) {
				t.Errorf("audit %+v at %v, want the engine's now", a, a.At)
			}
			got = append(got, a.Action+": "+a.Detail)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	want := "send: a checkin nudge to one manager|pause: program p|resume: program p|retry: 0 failed deliveries queued again|" +
		"reload: 2 managers, 2 cadences|digest: 1 programs"
	if strings.Join(got, "|") != want {
		t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
	for _, g := range got {
		if strings.Contains(g, "ann") || strings.Contains(g, "priya") {
			t.Errorf("audit entry names someone: %s", g)
		}
	}
}
