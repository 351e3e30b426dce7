package nudges_test

import (
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

func mustDate(t testing.TB, s string) nudges.Date {
	t.Helper()
	d, err := nudges.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// manager builds a manager in zone with working hours and every day worked
// unless days is given.
func manager(t testing.TB, zone, hours string, days ...time.Weekday) *nudges.Manager {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	start, end, err := nudges.ParseHours(hours)
	if err != nil {
		t.Fatal(err)
	}
	m := &nudges.Manager{ID: "m1", Programs: []string{"p"}, Calendar: nudges.Calendar{Location: loc, Start: start, End: end}}
	if len(days) == 0 {
		days = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	}
	for _, d := range days {
		m.Calendar.Days[d] = true
	}
	return m
}

func planner(t testing.TB, maxPerDay int, specs ...string) *nudges.Planner {
	t.Helper()
	p := &nudges.Planner{
		Programs:  map[string]*nudges.Program{"p": {ID: "p", Name: "P", Launch: mustDate(t, "2026-01-05"), Weeks: 52}},
		MaxPerDay: maxPerDay,
	}
	for i, s := range specs {
		r, err := nudges.ParseRecurrence(s)
		if err != nil {
			t.Fatal(err)
		}
		p.Cadences = append(p.Cadences, &nudges.Cadence{ID: string(rune('a' + i)), Kind: nudges.KindCheckIn, Program: "p", Recurrence: r})
	}
	return p
}

// occurrences lists UTC instants of every occurrence in [from, to) days.
func occurrences(t testing.TB, p *nudges.Planner, m *nudges.Manager, from, to string) []string {
	t.Helper()
	loc := m.Calendar.Location
	f, l := mustDate(t, from), mustDate(t, to)
	var out []string
	p.Range(m, time.Date(f.Year, f.Month, f.Day, 0, 0, 0, 0, loc), time.Date(l.Year, l.Month, l.Day, 0, 0, 0, 0, loc), func(o nudges.Occurrence) {
		out = append(out, o.Cadence.ID+"@"+o.At.UTC().Format(time.RFC3339))
	})
	return out
}

func equal(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d occurrences %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("occurrence %d: got %s, want %s\nall: %v", i, got[i], want[i], got)
		}
	}
}

func TestPlanner_DST(t *testing.T) {
	for _, tc := range []struct {
		name, zone, spec, from, to string
		want                       []string
	}{
		{
			// 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist
			// and fires at the first instant after the gap, 03:00 EDT.
			name: "NewYorkSpringForwardGap", zone: "America/New_York", spec: "30 2 * * *", from: "2026-03-07", to: "2026-03-10",
			want: []string{"a@2026-03-07T07:30:00Z", "a@2026-03-08T07:00:00Z", "a@2026-03-09T06:30:00Z"},
		},
		{
			// 2026-11-01 01:30 happens twice (EDT, then EST): fire once.
			name: "NewYorkFallBackRepeat", zone: "America/New_York", spec: "30 1 * * *", from: "2026-10-31", to: "2026-11-03",
			want: []string{"a@2026-10-31T05:30:00Z", "a@2026-11-01T05:30:00Z", "a@2026-11-02T06:30:00Z"},
		},
		{
			// A weekly 09:30 stays 09:30 local: UTC moves by an hour.
			name: "NewYorkWeeklyKeepsLocalTime", zone: "America/New_York", spec: "30 9 * * mon", from: "2026-03-02", to: "2026-03-10",
			want: []string{"a@2026-03-02T14:30:00Z", "a@2026-03-09T13:30:00Z"},
		},
		{
			// 2026-03-29 01:00 GMT jumps to 02:00 BST.
			name: "LondonSpringForwardGap", zone: "Europe/London", spec: "30 1 * * *", from: "2026-03-28", to: "2026-03-30",
			want: []string{"a@2026-03-28T01:30:00Z", "a@2026-03-29T01:00:00Z"},
		},
		{
			// 2026-10-25 01:30 happens twice (BST, then GMT): fire once.
			name: "LondonFallBackRepeat", zone: "Europe/London", spec: "30 1 * * *", from: "2026-10-24", to: "2026-10-27",
			want: []string{"a@2026-10-24T00:30:00Z", "a@2026-10-25T00:30:00Z", "a@2026-10-26T01:30:00Z"},
		},
		{
			// Kolkata has no DST: 09:30 IST is 04:00 UTC all year.
			name: "KolkataNoDST", zone: "Asia/Kolkata", spec: "30 9 * * mon", from: "2026-03-02", to: "2026-11-03",
			want: nil, // filled below
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := manager(t, tc.zone, "00:00-24:00")
			got := occurrences(t, planner(t, 0, tc.spec), m, tc.from, tc.to)
			if tc.want == nil {
				if len(got) != 36 { // 2 March to 2 November 2026
					t.Fatalf("got %d Mondays, want 36", len(got))
				}
				for _, g := range got {
					if g[len(g)-9:] != "04:00:00Z" {
						t.Fatalf("occurrence %s is not at 04:00 UTC", g)
					}
				}
				return
			}
			equal(t, got, tc.want)
		})
	}
}

func TestPlanner_WorkingTime(t *testing.T) {
	london := func(t *testing.T) *nudges.Manager {
		return manager(t, "Europe/London", "09:00-17:00", time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	}
	t.Run("WeekendsSkipped", func(t *testing.T) {
		got := occurrences(t, planner(t, 0, "0 10 * * *"), london(t), "2026-06-05", "2026-06-09") // Fri–Mon
		equal(t, got, []string{"a@2026-06-05T09:00:00Z", "a@2026-06-08T09:00:00Z"})
	})
	t.Run("BeforeHoursMovesToStart", func(t *testing.T) {
		got := occurrences(t, planner(t, 0, "0 7 * * mon"), london(t), "2026-06-08", "2026-06-09")
		equal(t, got, []string{"a@2026-06-08T08:00:00Z"}) // 09:00 BST
	})
	t.Run("AfterHoursDropped", func(t *testing.T) {
		got := occurrences(t, planner(t, 0, "0 18 * * mon"), london(t), "2026-06-08", "2026-06-16")
		equal(t, got, nil)
	})
	t.Run("Holiday", func(t *testing.T) {
		m := london(t)
		m.Calendar.Holidays = map[nudges.Date]bool{mustDate(t, "2026-06-09"): true}
		got := occurrences(t, planner(t, 0, "0 10 * * *"), m, "2026-06-08", "2026-06-11")
		equal(t, got, []string{"a@2026-06-08T09:00:00Z", "a@2026-06-10T09:00:00Z"})
	})
	t.Run("OutOfOffice", func(t *testing.T) {
		m := london(t)
		m.Calendar.OutOfOffice = []nudges.DateRange{{From: mustDate(t, "2026-06-09"), To: mustDate(t, "2026-06-11")}}
		got := occurrences(t, planner(t, 0, "0 10 * * *"), m, "2026-06-08", "2026-06-13")
		equal(t, got, []string{"a@2026-06-08T09:00:00Z", "a@2026-06-12T09:00:00Z"})
	})
	t.Run("DailyCapKeepsEarliest", func(t *testing.T) {
		got := occurrences(t, planner(t, 2, "0 15 * * mon", "0 10 * * mon", "0 12 * * mon"), london(t), "2026-06-08", "2026-06-09")
		equal(t, got, []string{"b@2026-06-08T09:00:00Z", "c@2026-06-08T11:00:00Z"})
	})
	t.Run("NextRespectsCap", func(t *testing.T) {
		p := planner(t, 1, "0 10 * * *", "0 12 * * mon")
		m := london(t)
		// Cadence b only fires on Mondays, where a (earlier) takes the one slot.
		if o, ok := p.Next(m, p.Cadences[1], time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); ok {
			t.Fatalf("cadence b should never fire under a cap of 1, got %v", o.At)
		}
	})
}

func TestPlanner_WeeksAndPhases(t *testing.T) {
	p := planner(t, 0, "0 10 * * mon")
	p.Programs["p"].Launch = mustDate(t, "2026-06-01") // a Monday: week 1
	p.Cadences[0].FromWeek, p.Cadences[0].ToWeek = 2, 3
	m := manager(t, "UTC", "09:00-17:00")
	equal(t, occurrences(t, p, m, "2026-05-25", "2026-07-01"), []string{"a@2026-06-08T10:00:00Z", "a@2026-06-15T10:00:00Z"})

	p.Cadences[0].FromWeek, p.Cadences[0].ToWeek = 0, 0
	p.Cadences[0].Phases = []nudges.Phase{nudges.PreLaunch}
	equal(t, occurrences(t, p, m, "2026-05-18", "2026-07-01"), []string{"a@2026-05-18T10:00:00Z", "a@2026-05-25T10:00:00Z"})
}

func TestProgram_Week(t *testing.T) {
	p := &nudges.Program{Launch: mustDate(t, "2026-06-01")}
	for _, tc := range []struct {
		date  string
		week  int
		phase nudges.Phase
	}{
		{"2026-05-25", -0, nudges.PreLaunch}, {"2026-05-31", 0, nudges.PreLaunch}, {"2026-05-24", -1, nudges.PreLaunch},
		{"2026-06-01", 1, nudges.Activation}, {"2026-06-14", 2, nudges.Activation}, {"2026-06-15", 3, nudges.Consolidation},
		{"2026-07-26", 8, nudges.Consolidation}, {"2026-07-27", 9, nudges.Reinforcement},
	} {
		d := mustDate(t, tc.date)
		if w, ph := p.Week(d), p.Phase(d); w != tc.week || ph != tc.phase {
			t.Errorf("%s: week %d %s, want %d %s", tc.date, w, ph, tc.week, tc.phase)
		}
	}
}

func TestCalendar_NextWorkingInstant(t *testing.T) {
	m := manager(t, "Europe/London", "09:00-17:00", time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	for _, tc := range []struct{ in, want string }{
		{"2026-06-05T12:00:00Z", "2026-06-05T12:00:00Z"}, // Friday 13:00 BST: now
		{"2026-06-05T16:30:00Z", "2026-06-08T08:00:00Z"}, // Friday 17:30 BST: Monday 09:00
		{"2026-06-08T05:00:00Z", "2026-06-08T08:00:00Z"}, // Monday 06:00: 09:00
	} {
		in, _ := time.Parse(time.RFC3339, tc.in)
		got, ok := m.Calendar.NextWorkingInstant(in)
		if !ok || got.UTC().Format(time.RFC3339) != tc.want {
			t.Errorf("NextWorkingInstant(%s) = %s, want %s", tc.in, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
	m.Calendar.Days = [7]bool{}
	if _, ok := m.Calendar.NextWorkingInstant(time.Now()); ok {
		t.Error("a calendar with no working day yields an instant")
	}
}

func TestParseRecurrence_Errors(t *testing.T) {
	for _, spec := range []string{"", "61 * * * *", "* * *", "@every 1h", "TZ=UTC 0 9 * * *", "0 9 30 2 *"} {
		if _, err := nudges.ParseRecurrence(spec); err == nil {
			t.Errorf("ParseRecurrence(%q) accepted", spec)
		}
	}
}

// TestPlanner_WeeklyCap: three cadences (Mon, Wed, Fri) under a weekly cap
// of 2 keep Monday's and Wednesday's; Friday's goes. Whichever day is asked
// about first, the answer is the same, and a new week starts afresh.
func TestPlanner_WeeklyCap(t *testing.T) {
	p := planner(t, 0, "0 9 * * MON", "0 9 * * WED", "0 9 * * FRI")
	p.MaxPerWeek = 2
	m := manager(t, "Europe/London", "08:00-18:00")
	equal(t, occurrences(t, p, m, "2026-01-05", "2026-01-19"), []string{
		"a@2026-01-05T09:00:00Z", "b@2026-01-07T09:00:00Z",
		"a@2026-01-12T09:00:00Z", "b@2026-01-14T09:00:00Z",
	})
	if got := p.Day(m, mustDate(t, "2026-01-09")); len(got) != 0 {
		t.Errorf("Friday asked about alone: %v, want nothing (the week's two are taken)", got)
	}
	p.MaxPerWeek = 0
	if got := occurrences(t, p, m, "2026-01-05", "2026-01-12"); len(got) != 3 {
		t.Errorf("no weekly cap: %v", got)
	}
	// Two cadences on one day with one place left: the earlier goes.
	p = planner(t, 0, "0 9 * * MON", "0 10 * * TUE", "0 11 * * TUE")
	p.MaxPerWeek = 2
	equal(t, occurrences(t, p, m, "2026-01-05", "2026-01-07"), []string{"a@2026-01-05T09:00:00Z", "b@2026-01-06T10:00:00Z"})
}
