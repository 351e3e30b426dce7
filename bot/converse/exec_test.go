package converse_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// The executor runs against the real engine on a real bbolt file: Ann
// leads Team One (Priya, Tom); Lee is an L&D admin.
const roster = `
data_dir = "data"
[defaults]
timezone = "Europe/London"
working_hours = "09:00-17:00"
snooze = "24h"
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
[[scripts]]
id = "s5"
title = "Quick one"
minutes = 5
questions = ["What did you try?", "What changed?"]
[[cadences]]
id = "checkin"
kind = "checkin"
program = "p"
script = "s5"
schedule = "30 9 * * mon"
[[managers]]
id = "ann"
name = "Ann Lee"
email = "ann@example.com"
[[managers]]
id = "lee"
name = "Lee Admin"
admin = true
[[teams]]
id = "t1"
name = "Team One"
channel = "team-one"
manager = "ann"
members = [{ id = "priya", name = "Priya Shah" }, { id = "tom", name = "Tom Berg" }]
`

type inbox struct {
	mu   sync.Mutex
	msgs []nudges.Message
}

func (c *inbox) Send(_ context.Context, _ converse.Recipient, m nudges.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
	return "ref-" + m.Nudge, nil
}

func (c *inbox) sent() []nudges.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]nudges.Message(nil), c.msgs...)
}

type world struct {
	e    *bot.Engine
	st   *store.Store
	chat *inbox
	x    *converse.Executor
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	cfg := testroster.Config(t, dir, roster)
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testclock.Clock{}
	clock.Set("2026-06-02T10:00:00Z") // Tuesday, Ann at work
	w := &world{st: st, chat: &inbox{}}
	w.e = bot.New(cfg, st, w.chat, bot.Options{Logger: zerolog.Nop(), Now: clock.Now})
	if err := w.e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.x = &converse.Executor{Engine: w.e, Surface: converse.Terminal}
	return w
}

var (
	ann = converse.Caller{Manager: "ann"}
	lee = converse.Caller{Manager: "lee", Admin: true}
)

// run parses text and runs it for who, as an adapter does.
func (w *world) run(t *testing.T, who converse.Caller, text, nudge, delivery string) (converse.Answer, error) {
	t.Helper()
	c, err := converse.Parse(converse.Terminal, text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return w.x.Run(context.Background(), converse.Request{Caller: who, Command: c, Nudge: nudge, Delivery: delivery})
}

func (w *world) flush(t *testing.T) {
	t.Helper()
	if err := w.e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (w *world) logs(t *testing.T) []store.Log {
	t.Helper()
	var out []store.Log
	if err := w.st.View(func(tx *store.Tx) error {
		return tx.Logs(func(l *store.Log) error { out = append(out, *l); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExecutor_AdminCommands(t *testing.T) {
	w := newWorld(t)
	t.Run("RefusedToAManager", func(t *testing.T) {
		for _, text := range []string{"send checkin ann", "pause p", "retry", "outbox"} {
			if _, err := w.run(t, ann, text, "", "d1"); !errors.Is(err, converse.ErrAdminOnly) {
				t.Errorf("%s by a manager: %v, want refused", text, err)
			}
		}
		w.flush(t)
		if n := len(w.chat.sent()); n != 0 {
			t.Errorf("%d messages sent after refused commands", n)
		}
	})
	t.Run("SendByEmail", func(t *testing.T) {
		ans, err := w.run(t, lee, "send checkin ANN@example.com", "", "d2")
		if err != nil || !ans.Done || ans.Text != "Queued a checkin nudge for Ann Lee: it goes out in a moment." {
			t.Fatalf("send: %+v, %v", ans, err)
		}
		w.flush(t)
		if got := w.chat.sent(); len(got) != 1 || got[0].Kind != nudges.KindCheckIn {
			t.Errorf("sent %+v, want one check-in", got)
		}
	})
	t.Run("SendMistakes", func(t *testing.T) {
		for text, want := range map[string]string{
			"send dance ann":   "I can send checkin",
			"send checkin bob": "I can't find bob on the roster.",
		} {
			if ans, err := w.run(t, lee, text, "", "d3"); err != nil || ans.Done || !strings.Contains(ans.Text, want) {
				t.Errorf("%s: %+v, %v; want %q", text, ans, err, want)
			}
		}
	})
	t.Run("PauseUnknownProgram", func(t *testing.T) {
		ans, err := w.run(t, lee, "pause q", "", "d4")
		if err != nil || ans.Done || !strings.Contains(ans.Text, `no program "q". Programs: p.`) {
			t.Errorf("pause q: %+v, %v", ans, err)
		}
		if err := w.st.View(func(tx *store.Tx) error {
			if _, set := tx.Paused("q"); set {
				t.Error("an unknown program was paused")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Outbox", func(t *testing.T) {
		ans, err := w.run(t, lee, "outbox", "", "d5")
		if err != nil || len(ans.Counts) != len(store.States) {
			t.Fatalf("outbox: %+v, %v", ans, err)
		}
		if c := ans.Counts[2]; c.State != string(store.Sent) || c.N != 1 {
			t.Errorf("sent count %+v, want 1", c)
		}
	})
}

// An outcome is keyed on what was answered: the same outcome for the same
// learner, typed again or spelt otherwise, is stored once; another
// learner's is another answer.
func TestExecutor_OutcomeKeyedOnWhatWasAnswered(t *testing.T) {
	w := newWorld(t)
	if _, err := w.run(t, lee, "send assignment ann", "", "d1"); err != nil {
		t.Fatal(err)
	}
	w.flush(t)
	msgs := w.chat.sent()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want the assignment", len(msgs))
	}
	nudge := msgs[0].Nudge
	first, err := w.run(t, ann, "outcome priya applied", nudge, "line-1")
	if err != nil || !first.Done || first.Result.Duplicate {
		t.Fatalf("first outcome: %+v, %v", first, err)
	}
	again, err := w.run(t, ann, "outcome Priya Shah Applied", nudge, "line-2")
	if err != nil || again.Done || !again.Result.Duplicate {
		t.Errorf("the same outcome again: %+v, %v; want a duplicate", again, err)
	}
	other, err := w.run(t, ann, "outcome tom not-yet", nudge, "line-3")
	if err != nil || !other.Done {
		t.Errorf("another learner's outcome: %+v, %v", other, err)
	}
	if n := len(w.logs(t)); n != 2 {
		t.Errorf("%d logs, want 2", n)
	}
	if _, err := w.run(t, ann, "outcome nobody applied", nudge, "line-4"); !errors.Is(err, converse.ErrInvalid) {
		t.Errorf("an outcome for someone not on the team: %v, want invalid", err)
	}
}

func TestExecutor_SnoozeLatest(t *testing.T) {
	w := newWorld(t)
	ans, err := w.run(t, ann, "snooze", "", "d1")
	if err != nil || ans.Done || ans.Text != "Nothing is waiting for you, so there is nothing to snooze." {
		t.Fatalf("snooze with nothing open: %+v, %v", ans, err)
	}
	if _, err := w.run(t, lee, "send checkin ann", "", "d2"); err != nil {
		t.Fatal(err)
	}
	w.flush(t)
	ans, err = w.run(t, ann, "snooze", "", "d3")
	if err != nil || !ans.Done || ans.Nudge != w.chat.sent()[0].Nudge || !strings.HasPrefix(ans.Text, "Snoozed until") {
		t.Errorf("snooze: %+v, %v", ans, err)
	}
	if o, err := w.e.Overview("ann"); err != nil || len(o.Open) != 0 {
		t.Errorf("open after snoozing: %+v, %v", o.Open, err)
	}
}

func TestExecutor_NoteAndStatus(t *testing.T) {
	w := newWorld(t)
	if ans, err := w.run(t, ann, "note Tom is on leave", "", "d1"); err != nil || !ans.Done {
		t.Fatalf("note: %+v, %v", ans, err)
	}
	if ans, err := w.run(t, ann, "note Tom is on leave", "", "d1"); err != nil || ans.Done {
		t.Errorf("the same delivery again: %+v, %v; want it stored once", ans, err)
	}
	ans, err := w.run(t, ann, "status", "", "d2")
	if err != nil || ans.Overview == nil || ans.Overview.Manager.ID != "ann" || len(ans.Overview.Teams) != 1 {
		t.Errorf("status: %+v, %v", ans, err)
	}
	if _, err := w.run(t, converse.Caller{}, "status", "", "d3"); !errors.Is(err, converse.ErrNotOnRoster) {
		t.Errorf("status for someone not on the roster: %v", err)
	}
}

// An admin's pause, resume and test send are each one audit entry, written
// with the change, naming the admin.
func TestExecutor_AdminActionsAuditedWithWhoAsked(t *testing.T) {
	w := newWorld(t)
	for _, text := range []string{"pause p", "resume p", "send checkin ann"} {
		if _, err := w.run(t, lee, text, "", ""); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
	}
	var got []string
	if err := w.st.View(func(tx *store.Tx) error {
		return tx.AuditNewest(0, func(a store.Audit) bool {
			got = append(got, a.Actor+" "+a.Action)
			return true
		})
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"lee send", "lee resume", "lee pause"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit %q, want %q", got, want)
	}
}
