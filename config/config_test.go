package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
)

// MustLoad loads path and fails the test on any problem.
func MustLoad(tb testing.TB, path string) *config.Config {
	tb.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		tb.Fatalf("Load(%s):\n%v", path, err)
	}
	return cfg
}

// problemsOf loads a file that must fail and returns its problems.
func problemsOf(t *testing.T, path string) config.Problems {
	t.Helper()
	cfg, err := config.Load(path)
	if err == nil {
		t.Fatalf("Load(%s) = %v, want problems", path, cfg)
	}
	var ps config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load(%s) error is %T, want config.Problems: %v", path, err, err)
	}
	return ps
}

func date(s string) nudges.Date {
	d, err := nudges.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestLoad(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-test")
	t.Setenv("SLACK_APP_TOKEN", "xapp-test")
	cfg := MustLoad(t, "testdata/valid.toml")

	dir, _ := filepath.Abs("testdata")
	if want := filepath.Join(dir, "state"); cfg.DataDir != want {
		t.Errorf("DataDir = %q, want %q (relative to the config file)", cfg.DataDir, want)
	}
	if want := filepath.Join(dir, "valid.toml"); cfg.Path != want {
		t.Errorf("Path = %q, want %q", cfg.Path, want)
	}
	if cfg.Platform != "slack" {
		t.Errorf("Platform = %q, want slack", cfg.Platform)
	}
	if cfg.Location.String() != "Europe/London" {
		t.Errorf("Location = %v, want Europe/London", cfg.Location)
	}
	if cfg.CatchUp != 2*time.Hour || cfg.MaxPerDay != 0 || cfg.Snooze != 24*time.Hour || cfg.SweepInterval != 10*time.Second {
		t.Errorf("CatchUp, MaxPerDay, Snooze, SweepInterval = %v, %d, %v, %v; want 2h, 0 (explicit), 24h (default), 10s",
			cfg.CatchUp, cfg.MaxPerDay, cfg.Snooze, cfg.SweepInterval)
	}
	if want := (nudges.Targets{FirstApplicationShare: 0.80, CoachingMinutes: 30, MinGroup: 5}); cfg.Targets != want {
		t.Errorf("Targets = %+v, want %+v", cfg.Targets, want)
	}
	if cfg.LogLevel != "debug" || cfg.LogFormat != "auto" {
		t.Errorf("log = %q/%q, want debug/auto", cfg.LogLevel, cfg.LogFormat)
	}

	t.Run("Programs", func(t *testing.T) {
		if len(cfg.Programs) != 2 {
			t.Fatalf("got %d programs, want 2", len(cfg.Programs))
		}
		p := cfg.Program("lead-2025")
		if p == nil || p.Name != "Leading Hybrid Teams" || p.Launch != date("2025-03-03") || p.Weeks != 12 || p.Paused {
			t.Fatalf("lead-2025 = %+v", p)
		}
		want := []nudges.Assignment{
			{ID: "one-to-one", Title: "Run a one-to-one with the new questions", Instructions: "Use the three questions from module 1.", Week: 1, DueDays: 7},
			{ID: "feedback", Title: "Give forward-looking feedback", Week: 3, DueDays: 10},
		}
		if !slices.Equal(p.Assignments, want) {
			t.Errorf("assignments = %+v, want %+v", p.Assignments, want)
		}
		pilot := cfg.Program("pilot")
		if !pilot.Paused || !pilot.Launch.IsZero() || cfg.LaunchAfterFirstRun["pilot"] != 14 {
			t.Errorf("pilot = %+v, offset %d; want paused, launch unresolved, +14 days", pilot, cfg.LaunchAfterFirstRun["pilot"])
		}
		if _, ok := cfg.LaunchAfterFirstRun["lead-2025"]; ok {
			t.Error("a program with a fixed launch date is listed as relative to the first run")
		}
	})

	t.Run("Scripts", func(t *testing.T) {
		s := cfg.Scripts["quick"]
		if s == nil || s.Minutes != 5 || len(s.Questions) != 2 || s.Title != "Five-minute check-in" {
			t.Errorf("script quick = %+v", s)
		}
	})

	t.Run("Cadences", func(t *testing.T) {
		c := cfg.Cadence("weekly-checkin")
		if c == nil || c.Kind != nudges.KindCheckIn || c.Script != "quick" || c.Recurrence.String() != "0 10 * * mon" ||
			c.FromWeek != 3 || c.ToWeek != 8 || c.RemindAfter != 48*time.Hour || c.MaxReminders != 1 {
			t.Errorf("weekly-checkin = %+v, want checkin, weeks 3-8, remind after 2d once", c)
		}
		e := cfg.Cadence("after-module")
		if e == nil || e.Recurring() || e.Event != nudges.EventCompleted || e.Delay != 24*time.Hour {
			t.Errorf("after-module = %+v, want a completed event 1d later", e)
		}
		p := cfg.Cadence("pledge")
		if p == nil || !slices.Equal(p.Phases, []nudges.Phase{nudges.Activation, nudges.Consolidation}) || p.MaxReminders != 2 || p.RemindAfter != 4*time.Hour {
			t.Errorf("pledge = %+v", p)
		}
		if cfg.Cadence("nope") != nil {
			t.Error(`Cadence("nope") is not nil`)
		}
	})

	t.Run("Managers", func(t *testing.T) {
		if got := ids(cfg.Managers); !slices.Equal(got, []string{"U01ALICE", "U02BOB"}) {
			t.Fatalf("managers = %v, want file order", got)
		}
		a := cfg.Manager("U01ALICE")
		if a.Name != "Alice Example" || a.Email != "alice@example.com" || !a.Admin || !slices.Equal(a.Programs, []string{"lead-2025"}) {
			t.Errorf("alice = %+v", a)
		}
		cal := a.Calendar
		if cal.Location.String() != "America/New_York" || cal.Start != 10*60 || cal.End != 18*60 {
			t.Errorf("alice's calendar = %v %v-%v, want America/New_York 10:00-18:00", cal.Location, cal.Start, cal.End)
		}
		if want := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true}; cal.Days != want {
			t.Errorf("alice's days = %v, want the default mon-thu", cal.Days)
		}
		for _, d := range []string{"2025-12-25", "2025-12-26", "2025-07-04"} {
			if !cal.Holidays[date(d)] {
				t.Errorf("alice's holidays lack %s (defaults plus her own)", d)
			}
		}
		if want := []nudges.DateRange{{From: date("2025-08-01"), To: date("2025-08-15")}}; !slices.Equal(cal.OutOfOffice, want) {
			t.Errorf("alice's out of office = %v, want %v", cal.OutOfOffice, want)
		}

		b := cfg.Manager("U02BOB")
		if b.Admin || b.Calendar.Location.String() != "Europe/London" || b.Calendar.Start != 8*60+30 || b.Calendar.End != 16*60 {
			t.Errorf("bob = %+v, want the defaults", b)
		}
		if len(b.Calendar.Holidays) != 2 || b.Calendar.Holidays[date("2025-07-04")] {
			t.Errorf("bob's holidays = %v, want only the defaults", b.Calendar.Holidays)
		}
		if !b.Enrolled("lead-2025") || !b.Enrolled("pilot") {
			t.Errorf("bob's programs = %v, want every program when none are listed", b.Programs)
		}
		if cfg.Manager("nobody") != nil {
			t.Error(`Manager("nobody") is not nil`)
		}
	})

	t.Run("Teams", func(t *testing.T) {
		if got := ids(cfg.Teams); !slices.Equal(got, []string{"support", "ops"}) {
			t.Fatalf("teams = %v", got)
		}
		support := cfg.Teams[0]
		want := []nudges.Member{{ID: "U10CARA", Name: "Cara Doe", Email: "cara@example.com"}, {ID: "U11DAN", Name: "Dan Roe"}}
		if support.Channel != "#support-team" || support.Manager != "U01ALICE" || !slices.Equal(support.Members, want) {
			t.Errorf("support = %+v", support)
		}
		if got := cfg.TeamsOf("U01ALICE"); len(got) != 1 || got[0] != support {
			t.Errorf("TeamsOf(alice) = %v", got)
		}
		if cfg.TeamOfMember("U12EVE") != cfg.Teams[1] || cfg.TeamOfMember("nobody") != nil {
			t.Error("TeamOfMember does not find the member's team")
		}
	})

	t.Run("Planner", func(t *testing.T) {
		p := cfg.Planner()
		if p.MaxPerDay != 0 || len(p.Cadences) != 3 || p.Programs["lead-2025"] != cfg.Program("lead-2025") {
			t.Errorf("planner = %+v", p)
		}
	})
}

func TestLoad_Defaults(t *testing.T) {
	cfg := MustLoad(t, "testdata/minimal.toml")
	dir, _ := filepath.Abs("testdata")
	if cfg.DataDir != filepath.Join(dir, "data") || cfg.Platform != "shell" || cfg.Location != time.UTC {
		t.Errorf("DataDir, Platform, Location = %q, %q, %v", cfg.DataDir, cfg.Platform, cfg.Location)
	}
	if cfg.CatchUp != 4*time.Hour || cfg.MaxPerDay != 3 || cfg.Snooze != 24*time.Hour || cfg.SweepInterval != 5*time.Second {
		t.Errorf("CatchUp, MaxPerDay, Snooze, SweepInterval = %v, %d, %v, %v", cfg.CatchUp, cfg.MaxPerDay, cfg.Snooze, cfg.SweepInterval)
	}
	if want := (nudges.Targets{FirstApplicationShare: 0.70, CoachingMinutes: 30, MinGroup: 5}); cfg.Targets != want {
		t.Errorf("Targets = %+v, want %+v", cfg.Targets, want)
	}
	if cfg.LogLevel != "info" || cfg.LogFormat != "auto" {
		t.Errorf("log = %q/%q, want info/auto", cfg.LogLevel, cfg.LogFormat)
	}
	if cfg.MaxDefer != 7*24*time.Hour || cfg.ExpireAfter != 7*24*time.Hour {
		t.Errorf("MaxDefer, ExpireAfter = %v, %v; want 7d, 7d", cfg.MaxDefer, cfg.ExpireAfter)
	}
	if len(cfg.Managers) != 1 || len(cfg.Teams) != 0 || len(cfg.Cadences) != 0 {
		t.Errorf("want only the one manager; got managers/teams/cadences: %d/%d/%d", len(cfg.Managers), len(cfg.Teams), len(cfg.Cadences))
	}
}

// TestLoad_Problems loads one bad file per case and checks where the problem
// is reported and what it says: an admin must be able to go straight to the
// line and understand the fix.
func TestLoad_Problems(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string // under testdata/
		// The problem that must be reported.
		wantFile string // empty: the .toml itself
		wantLine int
		wantKey  string
		wantMsg  string
	}{
		{"ErrSyntax", "syntax_error.toml", "", 4, "", "TOML syntax error"},
		{"ErrUnknownKey", "unknown_key.toml", "", 3, "token", "secrets never go in the config file"},
		{"ErrUnknownKeyInInlineTable", "unknown_member_key.toml", "", 24, "teams[0].members[1].nmae", `unknown key "nmae"`},
		{"ErrWrongType", "wrong_type.toml", "", 6, "programs[0].weeks", "want a whole number, got a string"},
		{"ErrTimezone", "bad_timezone.toml", "", 17, "managers[0].timezone", `unknown time zone "Europe/Londn"`},
		{"ErrCron", "bad_cron.toml", "", 29, "cadences[0].schedule", `cron expression "0 25 * * mon"`},
		{"ErrProgramRef", "dangling_program.toml", "", 28, "cadences[0].program", `no program has id "leed"`},
		{"ErrManagerRef", "dangling_manager.toml", "", 22, "teams[0].manager", `no manager has id "m9"`},
		{"ErrScriptRef", "dangling_script.toml", "", 29, "cadences[0].script", `no script has id "slow"`},
		{"ErrWeekRange", "impossible_weeks.toml", "", 30, "cadences[0].weeks", "weeks 8-3 end before they start"},
		{"ErrWorkingHours", "bad_working_hours.toml", "", 17, "managers[0].working_hours", "end before they start"},
		{"ErrOutOfOffice", "out_of_office_reversed.toml", "", 19, "managers[0].out_of_office[1]", "ends before it starts"},
		{"ErrDuplicateID", "duplicate_ids.toml", "", 19, "managers[1].id", `duplicate manager id "m1" (also managers[0] on line 15)`},
		{"ErrDuplicateMember", "duplicate_member.toml", "", 30, "teams[1].members[1].id", `duplicate member id "u1"`},
		{"ErrMinutes", "bad_minutes.toml", "", 11, "scripts[0].minutes", "5, 15 or 30 minutes, not 10"},
		{"ErrTooFewQuestions", "too_few_questions.toml", "", 12, "scripts[0].questions", "2 to 4 questions, not 1"},
		{"ErrCheckinWithoutScript", "checkin_without_script.toml", "", 25, "cadences[0].script", "a checkin cadence needs a script"},
		{"ErrScheduleAndEvent", "schedule_and_event.toml", "", 30, "cadences[0].event", "either a schedule or an event, not both"},
		{"ErrAssignmentWeek", "assignment_week.toml", "", 16, "programs[0].assignments[1].week", "outside the program's weeks 1-12"},
		// A missing key has no line of its own: its table's header stands in.
		{"ErrMissingKey", "missing_name.toml", "", 2, "programs[0].name", "missing program name"},
		{"ErrHoldout", "bad_holdout.toml", "", 30, "cadences[0].holdout_percent", "from 0 to under 100, not 100"},
		{"ErrMinGroup", "bad_min_group.toml", "", 32, "targets.min_group_size", "at least 1, not 0"},
		{"ErrWeeklyCap", "bad_weekly_cap.toml", "", 32, "defaults.max_nudges_per_week", "must not be negative"},
		{"ErrAbsentFor", "bad_absent_for.toml", "", 30, "cadences[0].absent_for", "scheduled checkin cadences only"},
		{"ErrPauseAfterIgnored", "bad_pause_after.toml", "", 32, "defaults.pause_after_ignored", "must not be negative"},
		{"ErrRetention", "bad_retention.toml", "", 32, "privacy.retention", "at least 28d, not 3d"},
		{"ErrNegativeCatchUp", "bad_catch_up.toml", "", 3, "defaults.catch_up", "must not be negative"},
		// Valid line by line, but nobody could ever be nudged.
		{"ErrEmptyRoster", "empty_roster.toml", "", 0, "managers", "the roster has no managers"},
		{"ErrCadenceAfterHours", "cadence_after_hours.toml", "", 22, "cadences[1].schedule", "fires at 18:00, but every manager enrolled in \"p\" stops work by 17:30"},
		{"ErrCSVTimezone", "csv_bad_timezone.toml", "csv_bad_timezone.csv", 4, "manager_timezone", `unknown time zone "Mars/Olympus"`},
		{"ErrCSVUnknownColumn", "csv_unknown_column.toml", "csv_unknown_column.csv", 1, "manager_phone", `unknown column "manager_phone"`},
		{"ErrCSVDuplicateMember", "csv_duplicate_member.toml", "csv_duplicate_member.csv", 3, "member_id", `duplicate member id "u2" (also line 2)`},
		{"ErrCSVMemberIsManager", "csv_duplicate_member.toml", "csv_duplicate_member.csv", 4, "member_id", `member id "m1" is also a manager's id (managers[0] on line 9)`},
		{"ErrCSVInconsistent", "csv_inconsistent.toml", "csv_inconsistent.csv", 3, "manager_timezone", `"Europe/Berlin" here but "Europe/Paris" on line 2`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			ps := problemsOf(t, path)
			wantFile := path
			if tt.wantFile != "" {
				wantFile = filepath.Join("testdata", tt.wantFile)
			}
			for _, p := range ps {
				if p.File == wantFile && p.Line == tt.wantLine && p.Key == tt.wantKey && strings.Contains(p.Msg, tt.wantMsg) {
					return
				}
			}
			t.Errorf("want %s:%d: %s: …%s…\ngot:\n%v", wantFile, tt.wantLine, tt.wantKey, tt.wantMsg, ps)
		})
	}
}

// TestLoad_MultipleProblems checks that one load reports every problem, so
// an admin fixes the file in one pass.
func TestLoad_MultipleProblems(t *testing.T) {
	ps := problemsOf(t, "testdata/multiple_problems.toml")
	want := []string{
		`2: token: unknown key "token"`,
		`5: defaults.timezone: unknown time zone "Mars/Olympus"`,
		`6: defaults.working_hours: working hours "17:00-09:00" end before they start`,
		`17: scripts[0].minutes: a check-in script takes 5, 15 or 30 minutes, not 10`,
		`18: scripts[0].questions: a script has 2 to 4 questions, not 1`,
		`20: cadences[0].script: a checkin cadence needs a script`,
		`23: cadences[0].program: no program has id "nope"`,
		`25: cadences[0].weeks: weeks 8-3 end before they start`,
		`30: managers[0].timezone: unknown time zone "Europe/Londn"`,
		`36: teams[0].manager: no manager has id "m9"`,
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i, w := range want {
		w = filepath.Join("testdata", "multiple_problems.toml") + ":" + w
		if i >= len(ps) || !strings.HasPrefix(ps[i].String(), w) {
			t.Errorf("problem %d: want prefix %q\ngot:\n%v", i, w, ps)
		}
	}
	if got := ps.Error(); strings.Count(got, "\n") != len(ps)-1 {
		t.Errorf("Error() = %q, want one problem per line", got)
	}
}

func TestProblem_String(t *testing.T) {
	for _, tt := range []struct {
		p    config.Problem
		want string
	}{
		{config.Problem{File: "nudgebot.toml", Line: 12, Key: "managers[2].timezone", Msg: `unknown time zone "Europe/Londn"`},
			`nudgebot.toml:12: managers[2].timezone: unknown time zone "Europe/Londn"`},
		{config.Problem{File: "nudgebot.toml", Key: "programs", Msg: "no programs"}, "nudgebot.toml: programs: no programs"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestLoad_Roster(t *testing.T) {
	cfg := MustLoad(t, "testdata/roster.toml")

	if want, _ := filepath.Abs("testdata/roster.csv"); cfg.RosterPath != want {
		t.Errorf("RosterPath = %q, want %q", cfg.RosterPath, want)
	}
	if got := ids(cfg.Managers); !slices.Equal(got, []string{"m1", "m2", "m3", "m4"}) {
		t.Errorf("managers = %v, want the file's, then the roster's in row order", got)
	}
	if got := ids(cfg.Teams); !slices.Equal(got, []string{"t1", "t2", "t3", "t4"}) {
		t.Errorf("teams = %v, want the file's, then the roster's in row order", got)
	}

	bob := cfg.Manager("m2")
	if bob.Name != "Bob" || bob.Email != "bob@example.com" || bob.Calendar.Location.String() != "Europe/Paris" ||
		bob.Calendar.Start != 8*60 || bob.Calendar.End != 16*60 || !slices.Equal(bob.Programs, []string{"lead", "pilot"}) {
		t.Errorf("bob = %+v", bob)
	}
	if want := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true}; bob.Calendar.Days != want {
		t.Errorf("bob's days = %v, want mon-wed", bob.Calendar.Days)
	}
	if !bob.Calendar.Holidays[date("2025-12-25")] {
		t.Error("a roster manager does not get the default holidays")
	}
	carol := cfg.Manager("m3")
	if carol.Calendar.Location.String() != "Europe/London" || carol.Calendar.Start != 9*60 || !slices.Equal(carol.Programs, []string{"pilot"}) {
		t.Errorf("carol = %+v, want the defaults and only the pilot", carol)
	}
	dave := cfg.Manager("m4")
	if dave.Calendar.Location.String() != "America/New_York" || !dave.Enrolled("lead") || !dave.Enrolled("pilot") || len(cfg.TeamsOf("m4")) != 0 {
		t.Errorf("dave = %+v, want New York, every program, no team", dave)
	}

	t2 := cfg.TeamOfMember("u3")
	want := []nudges.Member{{ID: "u2", Name: "Dan Roe", Email: "dan@example.com"}, {ID: "u3", Name: "Eve Poe"}}
	if t2 == nil || t2.ID != "t2" || t2.Name != "Support, EMEA" || t2.Channel != "#support-emea" || t2.Manager != "m2" || !slices.Equal(t2.Members, want) {
		t.Errorf("team of u3 = %+v", t2)
	}
	if t3 := cfg.TeamsOf("m3"); len(t3) != 1 || len(t3[0].Members) != 0 {
		t.Errorf("carol's teams = %v, want one team with no learners yet", t3)
	}

	// A roster row may name a manager from the file by id alone.
	alice := cfg.TeamsOf("m1")
	if len(alice) != 2 || alice[0].ID != "t1" || alice[1].ID != "t4" {
		t.Errorf("alice's teams = %v, want t1 from the file and t4 from the roster", alice)
	}

	t.Run("FindMember", func(t *testing.T) {
		for _, tt := range []struct {
			manager, query, wantMember, wantTeam string
		}{
			{"m1", "u4", "u4", "t4"},
			{"m1", "  cara ", "u1", "t1"},
			{"m1", "FINN", "u4", "t4"},
			{"m2", "dan roe", "u2", "t2"},
			{"m2", "Cara", "", ""}, // someone else's learner
			{"m1", "nobody", "", ""},
		} {
			m, team := cfg.FindMember(tt.manager, tt.query)
			var gotM, gotT string
			if m != nil {
				gotM, gotT = m.ID, team.ID
			}
			if gotM != tt.wantMember || gotT != tt.wantTeam {
				t.Errorf("FindMember(%q, %q) = %q, %q; want %q, %q", tt.manager, tt.query, gotM, gotT, tt.wantMember, tt.wantTeam)
			}
		}
	})
}

func TestEffective(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nudgebot.toml")
	writeFile(t, path, `
[[programs]]
id = "fixed"
name = "Fixed"
launch = 2025-03-03
weeks = 4

[[programs]]
id = "now"
name = "At first run"
launch = "first-run"
weeks = 4

[[programs]]
id = "briefing"
name = "Eight days before"
launch = "first-run-8d"
weeks = 4

[[programs]]
id = "later"
name = "Two weeks after"
launch = "first-run+14d"
weeks = 4

[[managers]]
id = "m1"
name = "Manager"
`)
	loaded := MustLoad(t, path)
	cfg := loaded.Effective(config.Overrides{FirstRun: date("2025-06-10"), Paused: map[string]bool{"fixed": true}})
	for id, want := range map[string]string{
		"fixed":    "2025-03-03",
		"now":      "2025-06-10",
		"briefing": "2025-06-02",
		"later":    "2025-06-24",
	} {
		if got := cfg.Program(id).Launch; got != date(want) {
			t.Errorf("program %s launches %s, want %s", id, got, want)
		}
	}
	// The planner shares the programs, so it sees the resolved dates.
	if got := cfg.Planner().Programs["later"].Launch; got != date("2025-06-24") {
		t.Errorf("planner's program launches %s, want 2025-06-24", got)
	}
	if !cfg.Program("fixed").Paused {
		t.Error("program fixed is not paused in the effective configuration")
	}
	// The loaded configuration is never written: readers may hold it.
	if got := loaded.Program("later").Launch; !got.IsZero() || loaded.Program("fixed").Paused {
		t.Errorf("loaded configuration changed: later launches %s, fixed paused %v", got, loaded.Program("fixed").Paused)
	}
}

// TestExampleConfig keeps the documented example loadable: it is what
// admins copy.
func TestExampleConfig(t *testing.T) {
	cfg := MustLoad(t, "../config.example.toml")
	if cfg.MaxDefer != 7*24*time.Hour || cfg.ExpireAfter != 7*24*time.Hour {
		t.Errorf("max_defer, expire_after = %v, %v; want 7d, 7d as documented", cfg.MaxDefer, cfg.ExpireAfter)
	}
}

func BenchmarkLoadCSV100k(b *testing.B) {
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "nudgebot.toml"), `
[[programs]]
id = "lead"
name = "Leading Teams"
launch = "2025-03-03"
weeks = 12

[[programs]]
id = "pilot"
name = "Pilot"
launch = "first-run"
weeks = 4

[roster]
csv = "roster.csv"
`)
	zones := []string{"Europe/London", "America/New_York", "Asia/Tokyo", "", "Australia/Sydney"}
	var csv strings.Builder
	csv.WriteString("team_id,team_name,team_channel,manager_id,manager_name,manager_email,manager_timezone,working_days,working_hours,programs,member_id,member_name,member_email\n")
	for i := range 100_000 {
		fmt.Fprintf(&csv, "t%d,Team %d,#team-%d,m%d,Manager %d,m%d@example.com,%s,mon;tue;wed;thu;fri,09:00-17:00,lead;pilot,u%d,Learner %d,u%d@example.com\n",
			i, i, i, i, i, i, zones[i%len(zones)], i, i, i)
	}
	writeFile(b, filepath.Join(dir, "roster.csv"), csv.String())

	b.ReportAllocs()
	for b.Loop() {
		cfg := MustLoad(b, filepath.Join(dir, "nudgebot.toml"))
		if len(cfg.Managers) != 100_000 {
			b.Fatalf("got %d managers", len(cfg.Managers))
		}
	}
}

func writeFile(tb testing.TB, path, text string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func ids[T interface{ *nudges.Manager | *nudges.Team }](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		switch x := any(x).(type) {
		case *nudges.Manager:
			out[i] = x.ID
		case *nudges.Team:
			out[i] = x.ID
		}
	}
	return out
}
