package lms_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/lms"
	"github.com/nudgebot/nudgebot/nudges"
)

// flakyLRS stores statements by id as an LRS does, after a script of
// failures: "down" answers 503 storing nothing, "lost" stores and then
// answers 502 (the request took effect, the answer did not arrive).
type flakyLRS struct {
	mu       sync.Mutex
	script   []string
	stored   map[string]json.RawMessage
	received map[string]int
}

func (f *flakyLRS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != "wb-key" || p != "wb-secret" || r.Header.Get(lms.VersionHeader) == "" {
		http.Error(w, "unauthorized", 401)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	step := "ok"
	if len(f.script) > 0 {
		step, f.script = f.script[0], f.script[1:]
	}
	if step == "down" {
		http.Error(w, "unavailable", 503)
		return
	}
	var stmts []json.RawMessage
	json.NewDecoder(r.Body).Decode(&stmts)
	for _, s := range stmts {
		var id struct{ ID string }
		json.Unmarshal(s, &id)
		f.received[id.ID]++
		if _, dup := f.stored[id.ID]; !dup {
			f.stored[id.ID] = s
		}
	}
	if step == "lost" {
		http.Error(w, "bad gateway", 502)
		return
	}
	w.WriteHeader(200)
}

func TestWriteBack_RetriedAndDeliveredOnce(t *testing.T) {
	fake := &flakyLRS{script: []string{"down", "lost"}, stored: map[string]json.RawMessage{}, received: map[string]int{}}
	lrs := httptest.NewServer(fake)
	defer lrs.Close()
	t.Setenv("NUDGEBOT_LMS_WRITEBACK_SECRET", "wb-secret")
	v := newEnv(t, baseConfig+"[lms.writeback]\nurl = \""+lrs.URL+"/xapi/\"\nkey = \"wb-key\"\nhomepage = \"https://coach.example.com/\"\n", now)
	w := lms.NewWriter(v.intake, lrs.Client())
	v.engine.OnLog = w.OnLog
	ctx := context.Background()

	// A debrief about Priya's module, answered with a check-in log.
	v.do(t, "POST", "/xapi/statements", stmt("", now))
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	sent := v.chat.Sent()
	if len(sent) != 1 {
		t.Fatalf("no debrief sent")
	}
	_, err := v.engine.HandleReply(ctx, bot.Reply{ID: "reply-1", Manager: "ann", Nudge: sent[0].Nudge, Kind: nudges.KindCheckIn, Action: nudges.ActLog,
		Fields: map[string]string{nudges.FieldMember: "priya", nudges.FieldTried: "the opening line", nudges.FieldChanged: "calmer 1:1s",
			nudges.FieldMinutes: "15", nudges.FieldNext: "Try it in the team meeting", nudges.FieldReview: "2026-06-11"}})
	if err != nil {
		t.Fatal(err)
	}
	// Down, then lost after taking effect, then through: each retry at
	// its backoff, on the test's clock.
	for i, at := range []string{"2026-06-04T10:00:00Z", "2026-06-04T10:00:06Z", "2026-06-04T10:00:17Z"} {
		v.clock.Set(at)
		n, err := w.Flush(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{0: 0, 1: 0, 2: 1}[i]; n != want {
			t.Fatalf("attempt %d: %d delivered, want %d", i, n, want)
		}
	}
	v.clock.Set("2026-06-04T12:00:00Z")
	if n, _ := w.Flush(ctx); n != 0 {
		t.Fatalf("delivered %d more after success", n)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.stored) != 1 {
		t.Fatalf("LRS holds %d statements, want 1", len(fake.stored))
	}
	for id, raw := range fake.stored {
		if fake.received[id] != 2 {
			t.Errorf("statement received %d times, want 2 (lost answer, then the retry)", fake.received[id])
		}
		s := string(raw)
		for _, want := range []string{`"verb":{"display":{"en-US":"mentored"},"id":"http://id.tincanapi.com/verb/mentored"}`,
			`"account":{"homePage":"https://coach.example.com/","name":"ann"}`, `"name":"42"`, `"duration":"PT15M"`,
			`"other":[{"id":"https://lms.example.com/course/view.php?id=7"}]`} {
			if !strings.Contains(s, want) {
				t.Errorf("statement lacks %s:\n%s", want, s)
			}
		}
		if _, err := lms.ParseStatement(raw); err != nil {
			t.Errorf("the statement sent is not valid xAPI: %v", err)
		}
	}
}
