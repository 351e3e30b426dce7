package bot_test

import (
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
)

// TestSnooze_TwiceBeforeItFires: a second snooze made before the first has
// come back is kept; both bring the nudge back, each at its own time.
func TestSnooze_TwiceBeforeItFires(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-05T15:00:00Z") // Friday 16:00 BST
	id := sendNow(t, v, nudges.KindCheckIn)
	if _, err := v.reply(t, bot.Reply{ID: "s1", Nudge: id, Action: nudges.ActSnooze}); err != nil {
		t.Fatal(err) // back Monday 09:00 BST
	}
	v.clock.Set("2026-06-08T07:30:00Z") // Monday 08:30 BST, before it is back
	res, err := v.reply(t, bot.Reply{ID: "s2", Nudge: id, Action: nudges.ActSnooze})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Tue 9 Jun 09:00"; !strings.Contains(res.Text, want) {
		t.Fatalf("second snooze answer %q, want %q", res.Text, want)
	}
	v.clock.Set("2026-06-08T08:00:00Z")
	v.flush(t)
	if n := len(v.chat.Sent()); n != 2 {
		t.Fatalf("Monday: %d messages, want the first snooze back", n)
	}
	v.clock.Set("2026-06-09T08:00:00Z")
	v.flush(t)
	msgs := v.chat.Sent()
	if len(msgs) != 3 || msgs[2].msg.Kind != nudges.KindCheckIn {
		t.Fatalf("Tuesday: %d messages, want the second snooze back too", len(msgs))
	}
}
