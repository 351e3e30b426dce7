package teams_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/teams"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/teamsfake"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// roster is a small rollout: one program launched Monday 2026-06-01, Ann
// (a manager) with a team of two learners and a team channel, and Lee, an
// L&D admin who also leads a team.
const roster = `
data_dir = "data"
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
channel = "19:team1@thread.tacv2"
manager = "ann"
members = [{ id = "priya", name = "Priya Shah" }, { id = "tom", name = "Tom Berg" }]
[[teams]]
id = "t2"
name = "Team Two"
channel = "19:team2@thread.tacv2"
manager = "lee"
members = [{ id = "sam", name = "Sam Ito" }]
`

// The fake tenant.
const (
	appID    = "00000000-0000-0000-0000-0000000000a1"
	password = "s3cret-value"
	tenant   = "11111111-1111-1111-1111-111111111111"
	uAnn     = "29:ann"
	uLee     = "29:lee"
	uStrange = "29:stranger"
	channel1 = "19:team1@thread.tacv2"
)

type env struct {
	t     *testing.T
	cfg   *config.Config
	clock *testclock.Clock
	fake  *teamsfake.Server
	st    *store.Store
	e     *bot.Engine
	a     *teams.Adapter
	url   string // the bot's messaging endpoint
	opt   teams.Options
	seq   atomic.Int64
}

func newEnv(t *testing.T, now string, edit ...func(*env)) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := testroster.Config(t, dir, roster)
	v := &env{t: t, cfg: cfg, clock: &testclock.Clock{}}
	v.clock.Set(now)
	v.fake = teamsfake.New(teamsfake.Options{AppID: appID, AppPassword: password, TenantID: tenant})
	t.Cleanup(v.fake.Close)
	v.fake.AddUser(uAnn, "aad-ann", "Ann@Example.com")
	v.fake.AddUser(uLee, "aad-lee", "lee@example.com")
	v.fake.AddUser(uStrange, "aad-x", "someone@example.com")
	v.opt = teams.Options{AppID: appID, AppPassword: password, TenantID: tenant,
		OpenIDMetadata: v.fake.OpenIDMetadata(), Authority: v.fake.Authority(),
		Logger: zerolog.New(zerolog.NewTestWriter(t)), Now: v.clock.Now}
	for _, f := range edit {
		f(v)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v.st = st
	t.Cleanup(func() { st.Close() })
	a, err := teams.New(v.opt)
	if err != nil {
		t.Fatalf("new adapter: %v", err)
	}
	v.a = a
	v.e = bot.New(cfg, st, a, bot.Options{Logger: zerolog.Nop(), Now: v.clock.Now})
	a.Attach(v.e)
	if err := v.e.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	v.url = srv.URL + "/api/messages"
	return v
}

// activity is an activity from a user in their 1:1 with the bot.
func (v *env) activity(typ, from string) map[string]any {
	conv := v.fake.Conversation(from)
	if conv == "" {
		conv = "a:personal-" + from
	}
	return map[string]any{
		"type": typ, "id": "act-" + strconv.FormatInt(v.seq.Add(1), 10),
		"serviceUrl": v.fake.ServiceURL(), "channelId": "msteams",
		"from":         map[string]any{"id": from, "aadObjectId": "aad-" + from[3:]},
		"recipient":    map[string]any{"id": "28:" + appID},
		"conversation": map[string]any{"id": conv, "conversationType": "personal", "tenantId": tenant},
		"channelData":  map[string]any{"tenant": map[string]any{"id": tenant}},
	}
}

// post signs and delivers an activity as Teams does.
func (v *env) post(act any) (int, []byte) {
	v.t.Helper()
	status, body, err := v.fake.Deliver(v.url, v.clock.Now(), act)
	if err != nil {
		v.t.Fatal(err)
	}
	return status, body
}

// install delivers the installationUpdate Teams sends when a user adds the
// app, opening the 1:1 the bot then writes to.
func (v *env) install(user string) {
	v.t.Helper()
	v.fake.Install(user)
	act := v.activity(teams.TypeInstallationUpdate, user)
	act["action"] = "add"
	if s, _ := v.post(act); s != 200 {
		v.t.Fatalf("installationUpdate: %d", s)
	}
}

func (v *env) flush() {
	v.t.Helper()
	if err := v.e.Flush(context.Background()); err != nil {
		v.t.Fatalf("flush: %v", err)
	}
}

func (v *env) sendNow(manager string, kind nudges.Kind) string {
	v.t.Helper()
	ids, err := v.e.SendNow(context.Background(), manager, kind)
	if err != nil || len(ids) == 0 {
		v.t.Fatalf("send now: %v", err)
	}
	return ids[0]
}

func (v *env) items() map[string]store.Item {
	v.t.Helper()
	out := map[string]store.Item{}
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.Items(func(it *store.Item) error { out[it.ID] = *it; return nil })
	}); err != nil {
		v.t.Fatal(err)
	}
	return out
}

func (v *env) logs() []store.Log {
	v.t.Helper()
	var out []store.Log
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.Logs(func(l *store.Log) error { out = append(out, *l); return nil })
	}); err != nil {
		v.t.Fatal(err)
	}
	return out
}

// card decodes the card of a stored activity.
func card(t *testing.T, a teamsfake.Activity) map[string]any {
	t.Helper()
	if len(a.Attachments) != 1 {
		t.Fatalf("activity %s has %d attachments", a.ID, len(a.Attachments))
	}
	var att struct {
		ContentType string         `json:"contentType"`
		Content     map[string]any `json:"content"`
	}
	if err := json.Unmarshal(a.Attachments[0], &att); err != nil || att.ContentType != teams.ContentTypeCard {
		t.Fatalf("attachment of %s: %v %q", a.ID, err, att.ContentType)
	}
	return att.Content
}
