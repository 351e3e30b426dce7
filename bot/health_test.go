package bot_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// healthConfig is baseConfig with three more managers, each with a DM.
const healthConfig = baseConfig + `
[[managers]]
id = "bob"
name = "Bob Ray"
[[managers]]
id = "cy"
name = "Cy Moss"
[[managers]]
id = "dee"
name = "Dee Park"
`

// scanHealth is delivery health read from every outbox item, as the
// dashboard computed it before the engine kept it: the reference the kept
// figures must equal.
func scanHealth(tb testing.TB, st *store.Store) bot.DeliveryHealth {
	tb.Helper()
	failures := map[string]int{}
	type key struct{ manager, reason string }
	unreachable, suppressed := map[key]int{}, map[key]int{}
	err := st.View(func(tx *store.Tx) error {
		return tx.Items(func(it *store.Item) error {
			switch it.State {
			case store.Failed:
				failures[bot.ReasonOf(it.Reason)]++
				unreachable[key{it.Manager, bot.ReasonOf(it.Reason)}]++
			case store.Skipped:
				suppressed[key{it.Manager, bot.ReasonOf(it.Reason)}]++
			}
			return nil
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	h := bot.DeliveryHealth{Failures: []bot.ReasonCount{}}
	for r, n := range failures {
		h.Failures = append(h.Failures, bot.ReasonCount{Reason: r, N: n})
	}
	slices.SortFunc(h.Failures, func(a, b bot.ReasonCount) int { return cmp.Or(b.N-a.N, strings.Compare(a.Reason, b.Reason)) })
	list := func(m map[key]int) []bot.ManagerReason {
		out := []bot.ManagerReason{}
		for k, n := range m {
			out = append(out, bot.ManagerReason{Manager: k.manager, Reason: k.reason, N: n})
		}
		slices.SortFunc(out, func(a, b bot.ManagerReason) int {
			return cmp.Or(b.N-a.N, strings.Compare(a.Manager, b.Manager), strings.Compare(a.Reason, b.Reason))
		})
		return out
	}
	h.Unreachable, h.Suppressed = list(unreachable), list(suppressed)
	return h
}

// healthText is h one line per figure, for comparing and for messages.
func healthText(h bot.DeliveryHealth) string {
	var b strings.Builder
	for _, f := range h.Failures {
		fmt.Fprintf(&b, "failed %s: %d\n", f.Reason, f.N)
	}
	for _, m := range h.Unreachable {
		fmt.Fprintf(&b, "unreachable %s %s: %d\n", m.Manager, m.Reason, m.N)
	}
	for _, m := range h.Suppressed {
		fmt.Fprintf(&b, "suppressed %s %s: %d\n", m.Manager, m.Reason, m.N)
	}
	return b.String()
}

// checkHealth reads the engine's delivery health and fails unless it
// equals a fresh scan of the outbox; it returns it as text.
func checkHealth(t *testing.T, v *env, when string) string {
	t.Helper()
	got, err := v.e.DeliveryHealth(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if g, w := healthText(got), healthText(scanHealth(t, v.st)); g != w {
		t.Fatalf("%s: delivery health kept\n%s\nbut the outbox says\n%s", when, g, w)
	}
	return healthText(got)
}

// refuse makes the platform refuse nudges to some managers for good, with
// the reason given; others are delivered.
func refuse(v *env, reasons map[string]string) {
	v.chat.SendFunc = func(to bot.Recipient, _ nudges.Message) (string, error) {
		if r, ok := reasons[to.Manager]; ok {
			return "", bot.Permanent(r, errors.New("refused"))
		}
		return "", nil
	}
}

// The delivery page's figures follow deliveries, permanent failures,
// skips, an admin's retry and an erasure as they land, equal at each step
// to a read of the whole outbox, and only the first view and the one
// after the erasure read the outbox (not the one after retention).
func TestDeliveryHealth_KeptAsCommitsLand(t *testing.T) {
	v := newEnv(t, healthConfig, "2026-06-01T07:00:00Z") // Monday 08:00 in London
	builds := 0
	v.e.OnHealthBuild(func(step string) {
		if step == "snapshot" {
			builds++
		}
	})
	if got := checkHealth(t, v, "before any nudge"); got != "" {
		t.Fatalf("health of an empty outbox: %q", got)
	}

	// Monday's check-ins: Bob's DM channel is gone, Cy's account is
	// deactivated (a reason with details, grouped by its first clause).
	refuse(v, map[string]string{"bob": "channel_not_found", "cy": "account_inactive: deactivated on 2026-05-30"})
	v.clock.Set("2026-06-01T08:31:00Z")
	v.flush(t)
	got := checkHealth(t, v, "after Monday's deliveries")
	for _, want := range []string{"failed account_inactive: 1", "failed channel_not_found: 1", "unreachable bob channel_not_found: 1", "unreachable cy account_inactive: 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("after Monday's deliveries, no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, " ann ") || strings.Contains(got, " dee ") {
		t.Errorf("a manager whose nudges arrive is listed:\n%s", got)
	}

	// A test nudge to Cy fails too: two of hers now.
	if _, err := v.e.SendNow(context.Background(), "cy", nudges.KindCheckIn); err != nil {
		t.Fatal(err)
	}
	v.flush(t)
	if got := checkHealth(t, v, "after a test nudge to Cy"); !strings.Contains(got, "unreachable cy account_inactive: 2") {
		t.Errorf("after a second failure for Cy:\n%s", got)
	}

	// The bot was down over the next Monday's check-ins: past the catch-up
	// window they are skipped, for everyone.
	v.clock.Set("2026-06-08T13:30:00Z")
	v.flush(t)
	got = checkHealth(t, v, "after a missed Monday")
	if !strings.Contains(got, "suppressed ann missed by") || !strings.Contains(got, "suppressed dee missed by") {
		t.Errorf("after a missed Monday, no suppressed managers:\n%s", got)
	}

	// Bob's channel is back: an admin retries, and his nudge leaves the
	// failures; Cy's fail again.
	refuse(v, map[string]string{"cy": "account_inactive: deactivated on 2026-05-30"})
	if n, err := v.e.RetryFailed(context.Background()); err != nil || n != 3 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	checkHealth(t, v, "while the retried nudges wait")
	v.flush(t)
	got = checkHealth(t, v, "after the retry")
	if strings.Contains(got, "unreachable bob") {
		t.Errorf("Bob is still unreachable after his nudge was delivered:\n%s", got)
	}

	// Retention deletes logs, not nudges: nothing to read again.
	if err := v.st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.DeleteLogsBefore(v.clock.Now(), 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	checkHealth(t, v, "after retention")

	// Erasing Dee removes her skipped nudges, and readers see it at once.
	if err := v.st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ErasePerson(store.Who{IDs: []string{"dee"}}, "test", v.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := checkHealth(t, v, "after Dee's erasure"); strings.Contains(got, " dee ") {
		t.Errorf("an erased manager is still listed:\n%s", got)
	}
	checkHealth(t, v, "read again")
	if builds != 2 {
		t.Errorf("the outbox was read %d times; want 2 (the first view, and the first after the erasure)", builds)
	}
}

// A commit that lands while the outbox is first read is counted once,
// whether the read's snapshot holds it or not, and an erasure landing
// then is not missed.
func TestDeliveryHealth_CommitDuringTheFirstRead(t *testing.T) {
	failNew := func(t *testing.T, v *env, id, manager, reason string) {
		t.Helper()
		err := v.st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.PutItem(&store.Item{ID: id, Manager: manager, Kind: nudges.KindCheckIn, Program: "p",
				ScheduledAt: v.clock.Now(), NextAttempt: v.clock.Now(), State: store.Failed, Reason: reason})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, step string
		land       func(t *testing.T, v *env)
		want, not  string
	}{
		// Committed after the queue started and before the snapshot: in
		// both the snapshot and the queue.
		{name: "BeforeTheSnapshot", step: "queueing",
			land: func(t *testing.T, v *env) { failNew(t, v, "n-cy", "cy", "not_in_channel") },
			want: "unreachable cy not_in_channel: 1\n"},
		// Committed while the outbox is read: only in the queue.
		{name: "DuringTheRead", step: "snapshot",
			land: func(t *testing.T, v *env) { failNew(t, v, "n-cy", "cy", "not_in_channel") },
			want: "unreachable cy not_in_channel: 1\n"},
		// Bob's failure retried during the read: gone, not counted from
		// the snapshot.
		{name: "RetryDuringTheRead", step: "snapshot",
			land: func(t *testing.T, v *env) {
				if _, err := v.e.RetryFailed(context.Background()); err != nil {
					t.Fatal(err)
				}
			},
			not: "unreachable bob"},
		// Bob erased during the read: the read is taken again.
		{name: "ErasureDuringTheRead", step: "snapshot",
			land: func(t *testing.T, v *env) {
				if err := v.st.Write(context.Background(), func(tx *store.Tx) error {
					_, err := tx.ErasePerson(store.Who{IDs: []string{"bob"}}, "test", v.clock.Now())
					return err
				}); err != nil {
					t.Fatal(err)
				}
			},
			not: " bob "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, healthConfig, "2026-06-01T07:00:00Z")
			failNew(t, v, "n-bob", "bob", "channel_not_found")
			landed := 0
			v.e.OnHealthBuild(func(step string) {
				if step == tc.step && landed == 0 {
					landed++
					tc.land(t, v)
				}
			})
			got := checkHealth(t, v, "the first read")
			if landed != 1 {
				t.Fatalf("the commit did not land during the read (%d)", landed)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("want %q in\n%s", tc.want, got)
			}
			if tc.not != "" && strings.Contains(got, tc.not) {
				t.Errorf("%q is still listed:\n%s", tc.not, got)
			}
			checkHealth(t, v, "the next read")
		})
	}
}

// Left unread through more changes than it queues, the delivery health
// drops them and reads the outbox again: still right, and its memory
// bounded.
func TestDeliveryHealth_ManyChangesUnread(t *testing.T) {
	v := newEnv(t, healthConfig, "2026-06-01T07:00:00Z")
	v.e.SetHealthQueueLimit(3)
	builds := 0
	v.e.OnHealthBuild(func(step string) {
		if step == "snapshot" {
			builds++
		}
	})
	checkHealth(t, v, "the first view")
	refuse(v, map[string]string{"ann": "channel_not_found", "bob": "channel_not_found", "cy": "not_in_channel", "dee": "not_in_channel"})
	v.clock.Set("2026-06-01T08:31:00Z")
	v.flush(t)
	if _, err := v.e.SendNow(context.Background(), "dee", nudges.KindCheckIn); err != nil {
		t.Fatal(err)
	}
	v.flush(t)
	if got := checkHealth(t, v, "after more failures than the queue holds"); !strings.Contains(got, "unreachable dee not_in_channel: 2") {
		t.Errorf("Dee's two failures:\n%s", got)
	}
	if builds != 2 {
		t.Errorf("the outbox was read %d times; want 2", builds)
	}
}
