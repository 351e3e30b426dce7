package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// TestExpire_ClosesUnansweredNudges: a nudge left unanswered for
// expire_after leaves the manager's open list, visibly: answered "expired"
// with the reason, and an "expired" entry in the coaching log (export).
func TestExpire_ClosesUnansweredNudges(t *testing.T) {
	cfg := strings.Replace(baseConfig, `snooze = "24h"`, "snooze = \"24h\"\nexpire_after = \"7d\"", 1)
	v := newEnv(t, cfg, "2026-06-05T10:00:00Z")
	ctx := context.Background()
	id := sendNow(t, v, nudges.KindCheckIn)
	open := func() int {
		o, err := v.e.Overview("ann")
		if err != nil {
			t.Fatal(err)
		}
		return len(o.Open)
	}
	if n := open(); n != 1 {
		t.Fatalf("%d open nudges after sending, want 1", n)
	}

	v.clock.Set("2026-06-12T09:59:00Z") // a minute short of 7 days
	if n, err := v.e.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("Expire = %d, %v before 7 days; want 0", n, err)
	}
	v.clock.Set("2026-06-12T10:01:00Z")
	if n, err := v.e.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v after 7 days; want 1", n, err)
	}
	if n := open(); n != 0 {
		t.Errorf("%d open nudges after expiry, want 0", n)
	}
	it := v.items(t)[id]
	if it.Answered != store.AnsweredExpired || !strings.Contains(it.Reason, "unanswered for 168h") {
		t.Errorf("item answered %q, reason %q; want expired with the reason", it.Answered, it.Reason)
	}
	var logged bool
	for _, l := range v.logs(t) {
		logged = logged || l.Kind == store.AnsweredExpired && l.Nudge == id
	}
	if !logged {
		t.Error("no expired entry in the coaching log")
	}
	// A late answer is still welcome: it logs and closes the nudge.
	res, err := v.reply(t, bot.Reply{ID: "late", Nudge: id, Action: nudges.ActLog, Fields: checkIn("Priya Shah", "10", "2026-06-20", "", "")})
	if err != nil || res.Duplicate {
		t.Fatalf("late answer: %+v, %v", res, err)
	}
	if got := v.items(t)[id].Answered; got != store.AnsweredLogged {
		t.Errorf("after a late answer: answered %q, want logged", got)
	}
	if n, _ := v.e.Expire(ctx); n != 0 {
		t.Errorf("Expire closed %d again, want 0", n)
	}
}
