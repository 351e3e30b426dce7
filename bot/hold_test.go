package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// TestHold: after two nudges in a row expire unanswered, Ann gets no more
// nudges and one question (keep / pause 4 weeks / stop); her answers take
// effect, are logged for L&D, and an answered nudge resets the count.
func TestHold(t *testing.T) {
	cfg := strings.Replace(baseConfig, "max_nudges_per_day = 3", "max_nudges_per_day = 3\nexpire_after = \"2d\"\npause_after_ignored = 2", 1)
	v := newEnv(t, cfg, "2026-06-01T10:00:00Z")
	ctx := context.Background()
	delivered := func(kind nudges.Kind) bool {
		t.Helper()
		before := len(v.chat.Sent())
		sendNow(t, v, kind)
		return len(v.chat.Sent()) > before
	}
	state := func() store.ManagerState {
		t.Helper()
		var st store.ManagerState
		_ = v.st.View(func(tx *store.Tx) (err error) { st, err = tx.ManagerState("ann"); return err })
		return st
	}
	hold := func(choice, nudge string) bot.Result {
		t.Helper()
		res, err := v.reply(t, bot.Reply{ID: "hold-" + choice + v.clock.Now().Format(time.RFC3339), Nudge: nudge,
			Action: nudges.ActHold, Fields: map[string]string{nudges.FieldHold: choice}})
		if err != nil {
			t.Fatalf("hold %s: %v", choice, err)
		}
		return res
	}

	// One answered nudge, then two ignored.
	first := sendNow(t, v, nudges.KindCheckIn)
	if _, err := v.reply(t, bot.Reply{ID: "s1", Nudge: first, Action: nudges.ActSkip, Fields: map[string]string{nudges.FieldReason: "offsite"}}); err != nil {
		t.Fatal(err)
	}
	v.clock.Set("2026-06-02T10:00:00Z")
	sendNow(t, v, nudges.KindCheckIn)
	sendNow(t, v, nudges.KindPledge)
	v.clock.Set("2026-06-05T10:00:00Z")
	if n, err := v.e.Expire(ctx); err != nil || n != 2 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	v.flush(t)
	sent := v.chat.Sent()
	q := sent[len(sent)-1]
	if q.msg.Kind != nudges.KindHold || q.to.Channel != "" || len(q.msg.Actions) != 3 || !strings.Contains(q.msg.Lines[0], "The last 2 nudges went unanswered") {
		t.Fatalf("want the question to Ann, got %+v", q)
	}
	if st := state(); st.Hold != "asked" || st.Ignored != 2 {
		t.Errorf("state %+v", st)
	}
	if delivered(nudges.KindCheckIn) {
		t.Error("a nudge went out while Ann had not answered the question")
	}

	res := hold(nudges.HoldPause, q.msg.Nudge)
	if !strings.Contains(res.Text, "no nudges until 2026-07-03") {
		t.Errorf("pause said %q", res.Text)
	}
	v.clock.Set("2026-06-05T11:00:00Z") // a send now is named by its time
	if delivered(nudges.KindCheckIn) {
		t.Error("a nudge went out during the pause")
	}
	v.clock.Set("2026-07-03T10:00:00Z")
	if !delivered(nudges.KindCheckIn) {
		t.Error("no nudge after the four weeks")
	}
	hold(nudges.HoldStop, "")
	if delivered(nudges.KindPledge) {
		t.Error("a nudge went out after stop")
	}
	hold(nudges.HoldKeep, "")
	v.clock.Set("2026-07-03T11:00:00Z")
	if !delivered(nudges.KindPledge) {
		t.Error("no nudge after keep")
	}
	if _, err := v.reply(t, bot.Reply{ID: "bad", Action: nudges.ActHold, Fields: map[string]string{nudges.FieldHold: "maybe"}}); err == nil {
		t.Error("an answer other than keep, pause or stop was accepted")
	}
	var holds []string
	for _, l := range v.logs(t) {
		if l.Kind == "hold" {
			holds = append(holds, l.Answers[nudges.FieldHold])
		}
	}
	slices.Sort(holds) // some came at the same instant
	if strings.Join(holds, ",") != "asked,keep,pause,stop" {
		t.Errorf("hold logs: %v", holds)
	}
	if st := state(); st.Hold != "" || st.Ignored != 0 {
		t.Errorf("state after keep: %+v", st)
	}
}
