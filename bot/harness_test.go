package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// baseConfig is a small roster: one program launched on Monday 2026-06-01,
// Ann in London (Mon–Fri 09:00–17:00), one team with two learners.
const baseConfig = `
data_dir = "data"
[defaults]
timezone = "Europe/London"
working_hours = "09:00-17:00"
catch_up = "4h"
max_nudges_per_day = 3
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
remind_after = "24h"
max_reminders = 1
[[cadences]]
id = "debrief"
kind = "checkin"
program = "p"
script = "s5"
event = "completed"
delay = "48h"
[[managers]]
id = "ann"
name = "Ann Lee"
[[teams]]
id = "t1"
name = "Team One"
channel = "team-one"
manager = "ann"
members = [{ id = "priya", name = "Priya Shah" }, { id = "tom", name = "Tom Berg" }]
`

// clock is the engine's settable time.
type clock = testclock.Clock

// sent is one message the fake chat received.
type sent struct {
	to  bot.Recipient
	msg nudges.Message
}

// fakeChat records messages; SendFunc, when set, decides the outcome.
type fakeChat struct {
	mu       sync.Mutex
	msgs     []sent
	SendFunc func(to bot.Recipient, m nudges.Message) (string, error)
}

func (f *fakeChat) Send(_ context.Context, to bot.Recipient, m nudges.Message) (string, error) {
	if f.SendFunc != nil {
		if ref, err := f.SendFunc(to, m); err != nil || ref != "" {
			if err == nil {
				f.record(to, m)
			}
			return ref, err
		}
	}
	f.record(to, m)
	return "ref-" + m.Nudge, nil
}

func (f *fakeChat) record(to bot.Recipient, m nudges.Message) {
	f.mu.Lock()
	f.msgs = append(f.msgs, sent{to, m})
	f.mu.Unlock()
}

func (f *fakeChat) Sent() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.msgs...)
}

// env is an engine over a real bbolt file in a temp dir.
type env struct {
	t     *testing.T
	dir   string
	cfg   *config.Config
	clock *clock
	chat  *fakeChat
	st    *store.Store
	e     *bot.Engine
}

func newEnv(t *testing.T, toml string, now string) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := testroster.Config(t, dir, toml)
	v := &env{t: t, dir: dir, cfg: cfg, clock: &clock{}, chat: &fakeChat{}}
	v.clock.Set(now)
	v.open(t)
	t.Cleanup(func() { v.st.Close() })
	return v
}

// open (re)opens the store and starts a fresh engine on it, as a restart does.
func (v *env) open(tb testing.TB) {
	tb.Helper()
	st, err := store.Open(filepath.Join(v.cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	v.st = st
	v.e = bot.New(v.cfg, st, v.chat, bot.Options{Logger: zerolog.Nop(), Now: v.clock.Now})
	if err := v.e.Start(context.Background()); err != nil {
		tb.Fatalf("start: %v", err)
	}
}

// restart closes the store and opens it again.
func (v *env) restart(tb testing.TB) {
	tb.Helper()
	if err := v.st.Close(); err != nil {
		tb.Fatal(err)
	}
	v.open(tb)
}

func (v *env) flush(tb testing.TB) {
	tb.Helper()
	if err := v.e.Flush(context.Background()); err != nil {
		tb.Fatalf("flush: %v", err)
	}
}

func (v *env) items(tb testing.TB) map[string]store.Item {
	tb.Helper()
	out := map[string]store.Item{}
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.Items(func(it *store.Item) error { out[it.ID] = *it; return nil })
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func (v *env) due(tb testing.TB) []store.Due {
	tb.Helper()
	var out []store.Due
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.DueRows(func(d store.Due) error { out = append(out, d); return nil })
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func (v *env) logs(tb testing.TB) []store.Log {
	tb.Helper()
	var out []store.Log
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.Logs(func(l *store.Log) error { out = append(out, *l); return nil })
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func (v *env) reply(tb testing.TB, r bot.Reply) (bot.Result, error) {
	if r.Manager == "" {
		r.Manager = "ann"
	}
	return v.e.HandleReply(context.Background(), r)
}

func checkIn(member, minutes, review, win, share string) map[string]string {
	return map[string]string{
		nudges.FieldMember: member, nudges.FieldTried: "the opening line", nudges.FieldChanged: "calmer 1:1s",
		nudges.FieldMinutes: minutes, nudges.FieldNext: "Try it in the team meeting", nudges.FieldReview: review,
		nudges.FieldWin: win, nudges.FieldShare: share,
	}
}

func dueAt(ds []store.Due) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Cadence + "@" + d.At.UTC().Format(time.RFC3339)
		if d.Parent != "" {
			out[i] = "child-of-" + d.Parent[:4] + "@" + d.At.UTC().Format(time.RFC3339)
		}
	}
	return out
}

func has(msgs []sent, pred func(sent) bool) int {
	n := 0
	for _, m := range msgs {
		if pred(m) {
			n++
		}
	}
	return n
}

func textOf(m nudges.Message) string {
	return m.Title + "\n" + m.Context + "\n" + strings.Join(m.Lines, "\n")
}

// crashWhileSending queues a check-in for ann and leaves it as a crash
// between the platform call and its record would: in sending. It then
// reopens the store and starts a fresh engine talking to chat.
func (v *env) crashWhileSending(tb testing.TB, chat bot.Chat) string {
	tb.Helper()
	ids, err := v.e.SendNow(context.Background(), "ann", nudges.KindCheckIn)
	if err != nil {
		tb.Fatal(err)
	}
	if err := v.st.Write(context.Background(), func(tx *store.Tx) error {
		it, _ := tx.Item(ids[0])
		it.State = store.Sending
		return tx.PutItem(it)
	}); err != nil {
		tb.Fatal(err)
	}
	v.st.Close()
	st, err := store.Open(v.st.Path(), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	v.st = st
	v.e = bot.New(v.cfg, st, chat, bot.Options{Now: v.clock.Now})
	return ids[0]
}
