package dash_test

import (
	"context"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
)

// The delivery page is current at every view: a failure shows as soon as
// it is recorded, grouped by its reason's first clause, and leaves once an
// admin retries it; no cache makes L&D wait a minute to see it.
func TestDelivery_ShowsFailuresAsTheyLand(t *testing.T) {
	v := newEnv(t, envOpt{})
	v.seed()
	c := v.viewer()
	_, body := v.get(c, dash.Prefix+"/delivery")
	contains(t, body, "Everyone is reachable", "No nudge was skipped")

	at := v.clock.Now()
	err := v.st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.PutItem(&store.Item{ID: "n-bob", Manager: "bob", Kind: nudges.KindCheckIn, Program: "p",
			ScheduledAt: at, NextAttempt: at, State: store.Failed, Attempts: 1, Reason: "channel_not_found: D0BOB"})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body = v.get(c, dash.Prefix+"/delivery")
	contains(t, body, "Managers who cannot be reached (1)", `<td>channel_not_found</td><td class="n">1</td>`, `<td>failed</td><td class="n">1</td>`)
	if t.Failed() {
		t.Fatal(body)
	}

	if n, err := v.e.RetryFailed(context.Background()); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	_, body = v.get(c, dash.Prefix+"/delivery")
	contains(t, body, "Everyone is reachable")
	if t.Failed() {
		t.Log(body)
	}
}
