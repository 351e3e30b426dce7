package nudges_test

import (
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// TestDays_WindowAcrossMidnightGaps pins the edges of `plan`'s window where
// local midnight does not exist or an occurrence is moved onto it: a window
// of dates holds exactly the occurrences planned for those dates.
func TestDays_WindowAcrossMidnightGaps(t *testing.T) {
	tests := []struct {
		name, zone, from string
		days             int
		want             []string // local date → UTC instant
	}{
		// Santiago springs forward at midnight into 2027-09-05: "midnight
		// of the 5th" is 23:00 on the 4th, and must not pull the 4th's
		// 23:30 into a window that starts on the 5th.
		{"SantiagoStartsOnGapDay", "America/Santiago", "2027-09-05", 1, []string{"2027-09-05@2027-09-06T02:30:00Z"}},
		{"SantiagoEndsBeforeGapDay", "America/Santiago", "2027-09-03", 2, []string{
			"2027-09-03@2027-09-04T03:30:00Z", "2027-09-04@2027-09-05T03:30:00Z"}},
		// Nuuk springs forward at 23:00 on 2027-03-27: the 27th's 23:30
		// moves to the first instant after the gap, the 28th's midnight,
		// and still belongs to the 27th's window.
		{"NuukLateGap", "America/Nuuk", "2027-03-27", 1, []string{"2027-03-27@2027-03-28T01:00:00Z"}},
		{"NuukDayAfterGap", "America/Nuuk", "2027-03-28", 1, []string{"2027-03-28@2027-03-29T00:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planner(t, 0, "30 23 * * *")
			p.Programs["p"].Launch = mustDate(t, "2027-01-04")
			m := manager(t, tt.zone, "00:00-24:00")
			var got []string
			p.Days(m, mustDate(t, tt.from), tt.days, func(o nudges.Occurrence) {
				got = append(got, o.Local.String()+"@"+o.At.UTC().Format(time.RFC3339))
			})
			equal(t, got, tt.want)
		})
	}
}
