package main

import (
	"os"
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
