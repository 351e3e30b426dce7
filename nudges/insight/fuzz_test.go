package insight_test

import (
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// FuzzBook feeds the Book facts as a damaged or hostile data file could
// hold them (any ids, any kinds, days far outside the range, replies to
// nudges never seen, a reminder before its root): the report and digest
// must not panic, and no channel view may show a red flag or a figure of a
// group under the minimum.
func FuzzBook(f *testing.F) {
	f.Add([]byte("ann\x00t1\x00checkin\x00weekly\x00l1"), int16(3), int16(10), uint8(4))
	f.Add([]byte("\x00\x00\x00\x00"), int16(-400), int16(30000), uint8(0))
	f.Add([]byte("a\x00a\x00skip\x00a\x00a"), int16(0), int16(-1), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, dayOff, minutes int16, n uint8) {
		parts := split(string(data), 5)
		mgr, tm, kind, cad, learner := parts[0], parts[1], parts[2], parts[3], parts[4]
		p := params
		p.MinGroup = int(n % 8)
		p.Holdouts = map[string]float64{cad: float64(n % 100)}
		b := insight.NewBook(p)
		day := launch.AddDays(int(dayOff))
		at := time.Date(day.Year, day.Month, day.Day, 9, 0, 0, 0, time.UTC)
		b.AddReply(insight.Reply{Manager: mgr, Nudge: cad, Kind: kind, Day: day, At: at, Minutes: int(minutes), Kept: kind, Rating: kind, Reason: learner})
		b.AddNudge(insight.Nudge{ID: cad + "r", Parent: cad, Manager: mgr, Cadence: cad, Kind: nudges.Kind(kind), Day: day, Sent: at})
		for i := range int(n % 7) {
			b.AddTeam(insight.Team{ID: tm, Manager: mgr})
			b.AddLearner(insight.Learner{ID: learner, Team: tm, Module: day.AddDays(-i), Applied: day.AddDays(int(dayOff) % 30)})
			b.AddNudge(insight.Nudge{ID: cad, Manager: mgr, Cadence: cad, Kind: nudges.Kind(kind), Day: day.AddDays(7 * i), Sent: at, Expired: i%2 == 0, Failed: i%3 == 0})
			b.AddReply(insight.Reply{Manager: mgr, Nudge: cad, Kind: kind, Day: day.AddDays(i), At: at.Add(-time.Hour), Minutes: int(minutes)})
		}
		r := b.Report()
		for _, id := range []string{tm, ""} {
			v := r.For(insight.Channel(id))
			if len(v.Flags) != 0 {
				t.Fatalf("channel %q got flags %+v", id, v.Flags)
			}
			for _, tf := range v.Teams {
				if tf.Counted < r.MinGroup && !tf.Hidden {
					t.Fatalf("channel %q shows a team under the minimum: %+v", id, tf)
				}
			}
		}
		if _, err := insight.Digest(program, p.To, r.For(insight.LnD()), nil, func(s string) string { return s }); err != nil {
			t.Fatal(err)
		}
	})
}

// split cuts s at NULs into exactly n parts.
func split(s string, n int) []string {
	out := make([]string, n)
	i := 0
	for j := 0; j < len(s) && i < n; j++ {
		if s[j] == 0 {
			i++
			continue
		}
		out[i] += string(s[j])
	}
	return out
}
