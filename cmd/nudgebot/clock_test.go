package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// testNow is the time the tests run at unless they say otherwise: a
// Wednesday morning in London, when Amara, Dana and Ravi are all inside
// their working hours (the hours in which tests that assumed only Dana was
// used to fail).
var testNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// fixedClock is a clock stopped at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// TestMain makes reading the wall clock fail: every test fixes its own
// time (runCmd, runAt, withClock), so none passes or fails by the hour.
func TestMain(m *testing.M) {
	wallClock = func() time.Time {
		panic("a test ran the program on the wall clock; give it a fixed one (withClock)")
	}
	os.Exit(m.Run())
}

func TestRun_ExampleShowsFirstNudgeAtStart(t *testing.T) {
	// Dana works round the clock, so whenever the example starts her
	// pledge is due at once; whoever else is inside working hours then
	// (Amara on a London weekday, Ravi on an Indian one) gets theirs too.
	// Every day of a week, at hours that put each manager in and out.
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for day := range 7 {
		for _, hour := range []int{2, 5, 10, 16, 22} {
			at := monday.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
			t.Run(at.Format("Mon15h"), func(t *testing.T) {
				cfg := exampleCopy(t)
				// No input at all: the bot starts, delivers what is due and exits.
				out, _, err := runAt(t, at, "", "run", "-config", cfg)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out, "] DM to Dana Whitfield (dana) · Your coaching pledge for this week") ||
					!strings.Contains(out, "Feedback that lands · week 2 · activation") {
					t.Fatalf("no first nudge for the round-the-clock manager at start:\n%s", out)
				}
			})
		}
	}
}
