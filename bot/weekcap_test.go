package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
)

// TestWeeklyCap_LiveSchedule: a Monday check-in and Wednesday and Friday
// pledges under a weekly cap of 2: the live schedule sends Monday's and
// Wednesday's, not Friday's, and starts afresh the next Monday.
func TestWeeklyCap_LiveSchedule(t *testing.T) {
	cfg := strings.Replace(baseConfig, "max_nudges_per_day = 3", "max_nudges_per_day = 3\nmax_nudges_per_week = 2", 1) + `
[[cadences]]
id = "wed-pledge"
kind = "pledge"
program = "p"
schedule = "30 9 * * wed"
[[cadences]]
id = "fri-pledge"
kind = "pledge"
program = "p"
schedule = "30 9 * * fri"
`
	v := newEnv(t, cfg, "2026-06-01T07:00:00Z")
	for day := 1; day <= 8; day++ { // Monday 1 June to Monday 8 June
		v.clock.Set(fmt.Sprintf("2026-06-%02dT12:00:00Z", day))
		v.flush(t)
	}
	var got []string
	for _, s := range v.chat.Sent() {
		if s.msg.Kind == nudges.KindPledge || s.msg.Kind == nudges.KindCheckIn && !strings.Contains(s.msg.Title, "eminder") {
			got = append(got, string(s.msg.Kind))
		}
	}
	var days []string
	for _, d := range v.due(t) {
		days = append(days, d.At.Format("Mon 02"))
	}
	if strings.Join(got, ",") != "checkin,pledge,checkin" {
		t.Errorf("scheduled nudges sent: %v, want Monday's check-in, Wednesday's pledge, next Monday's check-in (due now: %v)", got, days)
	}
}
