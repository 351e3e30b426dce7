package shell_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/shell"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/store"
)

const roster = `
data_dir = "data"
[defaults]
timezone = "Europe/London"
working_hours = "09:00-17:00"
[[programs]]
id = "p"
name = "Feedback"
launch = "2026-06-01"
weeks = 12
[[programs.assignments]]
id = "a1"
title = "Use the opening line"
instructions = "Use it once."
week = 1
[[managers]]
id = "ann"
name = "Ann Lee"
[[managers]]
id = "bo"
name = "Bo Chen"
[[teams]]
id = "t1"
name = "Team One"
channel = "team-one"
manager = "ann"
members = [{ id = "priya", name = "Priya Shah" }, { id = "tom", name = "Tom Berg" }]
[[teams]]
id = "t2"
name = "Team Two"
channel = "team-two"
manager = "bo"
members = [{ id = "kim", name = "Kim Ode" }]
`

// session runs the shell over a real engine and bbolt file, on a fixed
// Tuesday morning, with input as typed lines; it returns what was printed.
func session(t *testing.T, input string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := testroster.Config(t, dir, roster)
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := &testclock.Clock{}
	clock.Set("2026-06-02T10:00:00Z")
	var out bytes.Buffer
	a := shell.New(strings.NewReader(input), &out, "test", shell.Options{Echo: true})
	e := bot.New(cfg, st, a, bot.Options{Logger: zerolog.Nop(), Now: clock.Now})
	ctx := context.Background()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx, e); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	return out.String()
}

func TestShell_Commands(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"UsageOfTheGrammar", "send checkin\n", []string{"! usage: send <checkin|assignment|pledge|summary> <manager>"}},
		{"Unknown", "dance\n", []string{`! unknown command "dance" (type 'help')`}},
		{"NoSuchNumber", "snooze 7\n", []string{"! there is no #7 (type 'inbox')"}},
		{"AnotherManagersNumber", "send assignment bo\noutcome 1 kim applied\n",
			[]string{"[#1] DM to Bo Chen (bo)", "! #1 is Bo Chen (bo)'s nudge, not yours: 'as bo' to answer it"}},
		{"OutcomeTwiceIsOneAnswer", "send assignment ann\noutcome priya applied\noutcome 1 Priya Shah applied\n",
			[]string{"✓ Recorded for Priya Shah: applied.", "\nAlready recorded.\n"}},
		{"StatusIsTheWeek", "status\n", []string{"Your coaching week — Feedback · week 1", "Team One: first application 0 of 2"}},
		{"OutboxCounts", "send assignment ann\noutbox\n", []string{"sent       1\n", "failed     0\n"}},
		{"NothingToSnooze", "snooze\n", []string{"Nothing is waiting for you, so there is nothing to snooze."}},
		{"BadOutcomeSavesNothing", "send assignment ann\noutcome priya maybe\ninbox\n",
			[]string{"Nothing was saved:\n  - outcome: applied, not yet or needs support", "#1   assignment sent"}},
		{"HoldStop", "hold stop\n", []string{"✓ Stopped: no more nudges."}},
		{"HoldWrongChoiceSavesNothing", "hold maybe\nhold\n",
			[]string{"Nothing was saved:\n  - hold: answer keep, pause or stop, not \"maybe\"", "! usage: hold keep|pause|stop"}},
		{"DigestOnlyForRosterAdmins", "digest\n", []string{"The digest goes to L&D admins on the roster"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := session(t, tc.input)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the shell printed\n%s\nwithout %q", got, w)
				}
			}
		})
	}
}
