package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// TestAbsence: a daily check-in cadence with absent_for = 14d reaches Ann
// only once she has logged no check-in for 14 days (counted from the launch
// at first), and stops again the day after she logs one.
func TestAbsence(t *testing.T) {
	cfg := strings.Replace(baseConfig, `id = "checkin"
kind = "checkin"
program = "p"
script = "s5"
schedule = "30 9 * * mon"`, `id = "checkin"
kind = "checkin"
program = "p"
script = "s5"
schedule = "30 9 * * *"
absent_for = "14d"`, 1)
	v := newEnv(t, cfg, "2026-06-01T07:00:00Z")
	absent := func() []string {
		var out []string
		for _, s := range v.chat.Sent() {
			for _, l := range s.msg.Lines {
				if strings.HasPrefix(l, "No check-in logged for") {
					out = append(out, l)
				}
			}
		}
		return out
	}
	// at runs the bot day by day, at 09:31 London time, up to day.
	next := 1
	at := func(ts string) {
		t.Helper()
		for ; next <= 31; next++ {
			d := fmt.Sprintf("2026-06-%02dT08:31:00Z", next)
			v.clock.Set(d)
			v.flush(t)
			if d == ts {
				next++
				return
			}
		}
	}
	at("2026-06-10T08:31:00Z") // nine days after the launch
	if got := absent(); len(got) != 0 {
		t.Fatalf("nudged after 9 days: %v", got)
	}
	var skipped bool
	for _, it := range v.items(t) {
		if it.State == store.Skipped && strings.Contains(it.Reason, "absent_for") {
			skipped = true
		}
	}
	if !skipped {
		t.Errorf("the occurrence of 10 June is not recorded as skipped for absence: %+v", v.items(t))
	}
	at("2026-06-15T08:31:00Z") // fourteen days
	if got := absent(); len(got) != 1 || got[0] != "No check-in logged for 14 days: a short one this week keeps the habit going." {
		t.Fatalf("after 14 days: %v", got)
	}
	if _, err := v.reply(t, bot.Reply{ID: "c1", Kind: nudges.KindCheckIn, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-22", "", "")}); err != nil {
		t.Fatal(err)
	}
	at("2026-06-16T08:31:00Z")
	at("2026-06-22T08:31:00Z")
	if got := absent(); len(got) != 1 {
		t.Fatalf("nudged again within 14 days of a check-in: %v", got)
	}
	at("2026-06-29T08:31:00Z") // fourteen days after the check-in of the 15th
	if got := absent(); len(got) != 2 {
		t.Fatalf("not nudged 14 days after the last check-in: %v", got)
	}
}
