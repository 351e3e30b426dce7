package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// TestRetain: with a 90-day retention, logs older than 90 days go (for
// every manager), newer ones stay, and the audit log says how many went.
func TestRetain(t *testing.T) {
	cfg := digestConfig + "[privacy]\nretention = \"90d\"\n"
	v := newEnv(t, cfg, "2026-10-01T10:00:00Z")
	ctx := context.Background()
	ages := []int{200, 120, 91, 89, 10} // days before now
	for _, m := range []string{"ann", "lin"} {
		for i, days := range ages {
			r := bot.Reply{ID: fmt.Sprintf("%s-%d", m, i), Manager: m, Action: bot.ActNote,
				At: v.clock.Now().Add(-time.Duration(days) * 24 * time.Hour), Fields: map[string]string{nudges.FieldNote: "note"}}
			if _, err := v.e.HandleReply(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := v.e.Retain(ctx)
	if err != nil || n != 6 {
		t.Fatalf("Retain = %d, %v; want the 3 logs of each manager older than 90 days", n, err)
	}
	var left, audits []string
	_ = v.st.View(func(tx *store.Tx) error {
		_ = tx.Logs(func(l *store.Log) error { left = append(left, l.ID); return nil })
		return tx.Audits(func(a store.Audit) error { audits = append(audits, a.Action+": "+a.Detail); return nil })
	})
	if strings.Join(left, ",") != "ann-3,ann-4,lin-3,lin-4" {
		t.Errorf("logs left: %v", left)
	}
	if len(audits) != 1 || audits[0] != "retention: 6 logs older than 2160h0m0s deleted" {
		t.Errorf("audit: %v", audits)
	}
	// The weeks' coaching marks go with the logs: the check-in of 200
	// days ago made one.
	if err := v.st.Write(ctx, func(tx *store.Tx) error {
		return tx.MarkCoached("p", "2026-03-09", "ann")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.Retain(ctx); err != nil {
		t.Fatal(err)
	}
	_ = v.st.View(func(tx *store.Tx) error {
		if n := tx.Coached("p", "2026-03-09"); n != 0 {
			t.Errorf("a week's coaching mark outlived the retention: %d", n)
		}
		return nil
	})
	if n, err := v.e.Retain(ctx); err != nil || n != 0 {
		t.Errorf("second run: %d, %v", n, err)
	}
}
