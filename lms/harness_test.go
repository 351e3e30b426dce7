package lms_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/internal/testclock"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/lms"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web"
)

// baseConfig: one program with two modules, a debrief two days after a
// completion, Ann leading Priya (known to the LMS by email and by the
// Moodle user id 42) and Tom.
const baseConfig = `
data_dir = "data"
[http]
listen = "127.0.0.1:0" # the tests serve on httptest's own listener
[defaults]
timezone = "Europe/London"
working_hours = "09:00-17:00"
catch_up = "4h"
max_nudges_per_day = 3
[[programs]]
id = "p"
name = "Feedback"
launch = "2026-06-01"
weeks = 12
[[programs.modules]]
id = "m1"
name = "Giving feedback"
activities = ["https://lms.example.com/course/view.php?id=7"]
[[programs.modules]]
id = "m2"
name = "Hard conversations"
prefixes = ["https://cmi5.example.com/course/hard/"]
[[scripts]]
id = "s5"
title = "Quick one"
minutes = 5
questions = ["What did you try?", "What changed?"]
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
members = [{ id = "priya", name = "Priya Shah", email = "priya@example.com", lms_id = "42" },
           { id = "tom", name = "Tom Berg", email = "Tom.Berg@example.com" }]
[lms]
max_age = "168h"
[[lms.sources]]
name = "moodle"
key = "moodle-key"
rate = 1000
burst = 1000
`

const moodleSecret = "s3cret-moodle"

type fakeChat struct {
	mu   sync.Mutex
	msgs []nudges.Message
}

func (f *fakeChat) Send(_ context.Context, _ bot.Recipient, m nudges.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
	return "ref-" + m.Nudge, nil
}

func (f *fakeChat) Sent() []nudges.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]nudges.Message(nil), f.msgs...)
}

// env is the bot's HTTP server on loopback, over a real engine and bbolt
// file, at a settable clock.
type env struct {
	cfg    *config.Config
	clock  *testclock.Clock
	chat   *fakeChat
	st     *store.Store
	engine *bot.Engine
	intake *lms.Intake
	srv    *httptest.Server
}

func newEnv(t testing.TB, toml, now string) *env {
	t.Helper()
	return newEnvFiles(t, toml, now, nil)
}

// newEnvFiles is newEnv with more files beside the config (keys, secrets).
func newEnvFiles(t testing.TB, toml, now string, files map[string][]byte) *env {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if tt, ok := t.(*testing.T); ok {
		tt.Setenv("NUDGEBOT_LMS_MOODLE_SECRET", moodleSecret)
	} else {
		os.Setenv("NUDGEBOT_LMS_MOODLE_SECRET", moodleSecret)
	}
	cfg := testroster.Config(t, dir, toml)
	v := &env{cfg: cfg, clock: &testclock.Clock{}, chat: &fakeChat{}}
	v.clock.Set(now)
	var err error
	v.st, err = store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.st.Close() })
	v.engine = bot.New(cfg, v.st, v.chat, bot.Options{Logger: zerolog.Nop(), Now: v.clock.Now})
	if err := v.engine.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	v.intake = lms.NewIntake(v.engine, v.st, lms.Options{Now: v.clock.Now, Logger: zerolog.Nop()})
	ws := web.New(prometheus.NewRegistry(), func() error { return nil })
	lms.NewServer(v.intake).Mount(ws)
	v.srv = httptest.NewServer(ws.Handler())
	t.Cleanup(v.srv.Close)
	return v
}

// do sends an xAPI request with Moodle's credentials and version 1.0.3.
func (v *env) do(t testing.TB, method, path, body string, edit ...func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, v.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("moodle-key", moodleSecret)
	req.Header.Set(lms.VersionHeader, "1.0.3")
	req.Header.Set("Content-Type", "application/json")
	for _, f := range edit {
		f(req)
	}
	resp, err := v.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

// stored is how many statements the store holds, whatever became of them.
func (v *env) stored(t testing.TB) int64 {
	t.Helper()
	counts, err := v.intake.Counts()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}

func (v *env) flush(t testing.TB) {
	t.Helper()
	if err := v.engine.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (v *env) due(t testing.TB) []store.Due {
	t.Helper()
	var out []store.Due
	if err := v.st.View(func(tx *store.Tx) error {
		return tx.DueRows(func(d store.Due) error {
			if d.Event != "" {
				out = append(out, d)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
