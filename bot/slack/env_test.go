package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot"
	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// roster is a small rollout: one program launched Monday 2026-06-01, Ann
// (a manager, London hours) with a team of two learners and a team
// channel, and Lee, an L&D admin who also leads a team.
const roster = `
data_dir = "data"
[targets]
min_group_size = 1 # the teams are tiny; their channels still get figures
[defaults]
timezone = "Europe/London"
working_hours = "09:00-17:00"
catch_up = "4h"
max_nudges_per_day = 5
snooze = "24h"
[[programs]]
id = "p"
name = "Feedback"
launch = "2026-06-01"
weeks = 12
[[programs.assignments]]
id = "a1"
title = "Use the opening line"
instructions = "Use it once in a 1:1."
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
name = "Lee Park"
email = "lee@example.com"
admin = true
[[teams]]
id = "t1"
name = "Team One"
channel = "C0TEAM1"
manager = "ann"
members = [{ id = "priya", name = "Priya Shah" }, { id = "tom", name = "Tom Berg" }]
[[teams]]
id = "t2"
name = "Team Two"
channel = "C0TEAM2"
manager = "lee"
members = [{ id = "sam", name = "Sam Ito" }]
`

// Slack users of the fake workspace.
const (
	uAnn      = "U0ANN"
	uLee      = "U0LEE"
	uStranger = "U0STRANGER"
	uLD       = "U0LD" // an L&D admin named in Options.Admins, not on the roster
	dmAnn     = "D" + uAnn
)

// clock is the engine's settable time.
type clock = testclock.Clock

// env is a real engine over a real bbolt file, talking to the fake Slack
// through the adapter.
type env struct {
	t     *testing.T
	fake  *fakeSlack
	cfg   *config.Config
	clock *clock
	st    *store.Store
	e     *bot.Engine
	a     *nbslack.Adapter
	opt   nbslack.Options
}

func newEnv(t *testing.T, now string, edit ...func(*nbslack.Options)) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := testroster.Config(t, dir, roster)
	v := &env{t: t, cfg: cfg, clock: &clock{}}
	v.fake = newFake(t, v.clock.Now)
	for _, u := range [][2]string{{uAnn, "ann@example.com"}, {uLee, "Lee@Example.com"}, {uStranger, "someone@example.com"}, {uLD, "ld@example.com"}} {
		v.fake.addUser(u[0], u[1])
	}
	v.clock.Set(now)
	v.opt = nbslack.Options{
		BotToken: botToken, AppToken: appToken, SigningSecret: signingSecret, Mode: nbslack.ModeHTTP,
		APIURL: v.fake.srv.GetAPIURL(), Admins: []string{uLD}, WorkspaceRate: 100, Logger: zerolog.New(zerolog.NewTestWriter(t)),
		HTTPClient: &http.Client{Transport: loopbackOnly{}},
	}
	for _, f := range edit {
		f(&v.opt)
	}
	v.open(t)
	return v
}

// open starts an adapter and an engine on the store, as the process does.
func (v *env) open(tb testing.TB) {
	tb.Helper()
	st, err := store.Open(filepath.Join(v.cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	v.st = st
	v.t.Cleanup(func() { st.Close() })
	a, err := nbslack.New(v.opt)
	if err != nil {
		tb.Fatalf("new adapter: %v", err)
	}
	v.a = a
	v.t.Cleanup(func() { a.Close() })
	v.e = bot.New(v.cfg, st, a, bot.Options{Logger: zerolog.Nop(), Now: v.clock.Now})
	a.Bind(v.e)
	if err := v.e.Start(context.Background()); err != nil {
		tb.Fatalf("start: %v", err)
	}
}

// restart closes the adapter and the store and opens both again.
func (v *env) restart(tb testing.TB) {
	tb.Helper()
	v.a.Close()
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

func (v *env) sendNow(tb testing.TB, manager string, kind nudges.Kind) string {
	tb.Helper()
	ids, err := v.e.SendNow(context.Background(), manager, kind)
	if err != nil || len(ids) == 0 {
		tb.Fatalf("send now: %v", err)
	}
	return ids[0]
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

func (v *env) item(tb testing.TB, id string) store.Item {
	tb.Helper()
	it, ok := v.items(tb)[id]
	if !ok {
		tb.Fatalf("no outbox item %s", id)
	}
	return it
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

// drain waits for the work the adapter started after acknowledging.
func (v *env) drain() { nbslack.Drain(v.a) }

// blocksOf decodes a posted message's blocks for the schema checks.
func blocksOf(t *testing.T, p posted) []slack.Block {
	t.Helper()
	var b slack.Blocks
	if err := json.Unmarshal(p.Blocks, &b); err != nil {
		t.Fatalf("blocks of %s/%s: %v", p.Channel, p.TS, err)
	}
	return b.BlockSet
}
