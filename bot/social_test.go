package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
)

// peersConfig adds n-1 managers to Ann's program, each with a team of one.
func peersConfig(n int) string {
	cfg := baseConfig
	for i := 1; i < n; i++ {
		cfg += fmt.Sprintf(`
[[managers]]
id = "m%d"
name = "Manager %d"
[[teams]]
id = "tm%d"
name = "Team %d"
channel = "team-%d"
manager = "m%d"
members = [{ id = "l%d", name = "Learner %d" }]
`, i, i, i, i, i, i, i, i)
	}
	return cfg
}

// TestSocialProof: Ann's check-in reminder says how many of the program's
// managers logged this week's check-in, when there are at least the
// minimum group of them (5), and not otherwise.
func TestSocialProof(t *testing.T) {
	for _, tc := range []struct {
		managers int
		want     string
	}{
		{5, "2 of 5 managers in Feedback have logged this week's check-in."},
		{4, ""},
	} {
		t.Run(fmt.Sprint(tc.managers), func(t *testing.T) {
			v := newEnv(t, peersConfig(tc.managers), "2026-06-01T07:00:00Z") // Monday, launch day
			v.clock.Set("2026-06-01T08:31:00Z")                              // the 09:30 check-in goes out
			v.flush(t)
			for i := 1; i <= 2; i++ {
				r := bot.Reply{ID: fmt.Sprint("c", i), Manager: fmt.Sprint("m", i), Kind: nudges.KindCheckIn, Action: nudges.ActLog,
					Fields: checkIn(fmt.Sprint("l", i), "10", "2026-06-08", "", "")}
				if _, err := v.e.HandleReply(t.Context(), r); err != nil {
					t.Fatal(err)
				}
			}
			v.clock.Set("2026-06-02T08:31:00Z") // Ann's reminder is due
			v.flush(t)
			var reminder string
			for _, s := range v.chat.Sent() {
				if s.to.Manager == "ann" && strings.HasPrefix(s.msg.Title, "Reminder:") {
					reminder = strings.Join(s.msg.Lines, "\n")
				}
			}
			if reminder == "" {
				t.Fatal("no reminder reached Ann")
			}
			got := ""
			for _, l := range strings.Split(reminder, "\n") {
				if strings.Contains(l, "managers in Feedback") {
					got = l
				}
			}
			if got != tc.want {
				t.Errorf("social proof %q, want %q", got, tc.want)
			}
		})
	}
}
