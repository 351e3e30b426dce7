package lms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/lms"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// stmt is a completion of module m1 by Priya (by email) with id.
func stmt(id, ts string) string {
	idPart := ""
	if id != "" {
		idPart = fmt.Sprintf(`"id":%q,`, id)
	}
	return fmt.Sprintf(`{%s"actor":{"mbox":"mailto:priya@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},`+
		`"object":{"id":"https://lms.example.com/course/view.php?id=7"},"timestamp":%q}`, idPart, ts)
}

const now = "2026-06-02T10:00:00Z" // a Tuesday

func TestPostStatement_OK(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	resp, body := v.do(t, "POST", "/xapi/statements", fixture(t, "moodle_course_completed.json"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get(lms.VersionHeader); got != "1.0.3" {
		t.Errorf("version header %q, want 1.0.3", got)
	}
	var ids []string
	if err := json.Unmarshal([]byte(body), &ids); err != nil || len(ids) != 1 || ids[0] != "4f3b6e3e-8c1d-4e0b-9c55-0a7d2a1b9e01" {
		t.Fatalf("ids %q (%v)", body, err)
	}
	due := v.due(t)
	if len(due) != 1 || due[0].Learner != "priya" || due[0].Module != "Giving feedback" {
		t.Fatalf("due rows %+v, want one debrief about Priya and Giving feedback", due)
	}
	// Two days later, inside Ann's working hours, the debrief goes out.
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	sent := v.chat.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages, want 1", len(sent))
	}
	if !strings.Contains(sent[0].Title, "Priya Shah") || !strings.Contains(strings.Join(sent[0].Lines, " "), "Giving feedback") {
		t.Errorf("debrief %q / %q does not name Priya and the module", sent[0].Title, sent[0].Lines)
	}
}

func TestPostStatement_CMI5ByEmailAndPrefix(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	resp, body := v.do(t, "POST", "/xapi/statements", fixture(t, "cmi5_completed.json"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	due := v.due(t)
	if len(due) != 1 || due[0].Learner != "tom" || due[0].Module != "Hard conversations" {
		t.Fatalf("due rows %+v, want one debrief about Tom and Hard conversations", due)
	}
}

func TestPostStatement_AssignsID(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	resp, body := v.do(t, "POST", "/xapi/statements", "["+stmt("", now)+","+stmt("", now)+"]")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var ids []string
	json.Unmarshal([]byte(body), &ids)
	if len(ids) != 2 || ids[0] == ids[1] || len(ids[0]) != 36 {
		t.Fatalf("ids %q: want two fresh UUIDs", body)
	}
	if n := v.stored(t); n != 2 {
		t.Errorf("stored %d statements, want 2", n)
	}
	// Two reports of one completion: one debrief.
	if due := v.due(t); len(due) != 1 {
		t.Errorf("%d debriefs, want 1", len(due))
	}
}

func TestVersionHeader(t *testing.T) {
	for _, tc := range []struct {
		name, version string
		status        int
		answer        string
	}{
		{"Missing", "", 400, "1.0.3"},
		{"Unsupported", "0.95", 400, "1.0.3"},
		{"Garbage", "1.0.x", 400, "1.0.3"},
		{"OneZeroZero", "1.0.0", 200, "1.0.3"},
		{"TwoZeroZero", "2.0.0", 200, "2.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, baseConfig, now)
			resp, body := v.do(t, "POST", "/xapi/statements", stmt("", now), func(r *http.Request) {
				r.Header.Set(lms.VersionHeader, tc.version)
			})
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get(lms.VersionHeader); got != tc.answer {
				t.Errorf("answered version %q, want %q", got, tc.answer)
			}
			if want := int64(tc.status / 200 % 2); v.stored(t) != want {
				t.Errorf("stored %d, want %d", v.stored(t), want)
			}
		})
	}
}

func TestAbout(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	resp, body := v.do(t, "GET", "/xapi/about", "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"1.0.3"`) || !strings.Contains(body, `"2.0.0"`) {
		t.Fatalf("about: %d %s", resp.StatusCode, body)
	}
}

func TestAuthFailureStoresNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*http.Request)
	}{
		{"NoCredentials", func(r *http.Request) { r.Header.Del("Authorization") }},
		{"WrongSecret", func(r *http.Request) { r.SetBasicAuth("moodle-key", "guess") }},
		{"UnknownKey", func(r *http.Request) { r.SetBasicAuth("other", moodleSecret) }},
		{"ForgedBearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nbt1.moodle.9999999999.00") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, baseConfig, now)
			resp, body := v.do(t, "POST", "/xapi/statements", stmt("", now), tc.edit)
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("status %d, want 401 with a challenge: %s", resp.StatusCode, body)
			}
			if n := v.stored(t); n != 0 || len(v.due(t)) != 0 {
				t.Errorf("stored %d statements after a failed authentication", n)
			}
		})
	}
}

func TestPut(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	const id = "0b8ab3a6-52a3-4f3a-a5d9-111111111111"
	put := func(body string) int {
		resp, text := v.do(t, "PUT", "/xapi/statements?statementId="+id, body)
		if resp.StatusCode >= 300 && resp.StatusCode != 409 {
			t.Logf("PUT: %s", text)
		}
		return resp.StatusCode
	}
	if got := put(stmt("", now)); got != 204 {
		t.Fatalf("first PUT: %d, want 204", got)
	}
	// The same statement again, keys in another order: no change.
	same := `{"timestamp":"` + now + `","object":{"id":"https://lms.example.com/course/view.php?id=7"},` +
		`"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"actor":{"mbox":"mailto:priya@example.com"}}`
	if got := put(same); got != 204 {
		t.Fatalf("repeated PUT: %d, want 204", got)
	}
	if got := put(stmt("", "2026-06-01T10:00:00Z")); got != 409 {
		t.Fatalf("PUT of other content under the id: %d, want 409", got)
	}
	if got := put(stmt("0b8ab3a6-52a3-4f3a-a5d9-222222222222", now)); got != 400 {
		t.Fatalf("PUT whose body names another id: %d, want 400", got)
	}
	resp, _ := v.do(t, "PUT", "/xapi/statements", stmt("", now))
	if resp.StatusCode != 400 {
		t.Fatalf("PUT without statementId: %d, want 400", resp.StatusCode)
	}
	if n := v.stored(t); n != 1 || len(v.due(t)) != 1 {
		t.Errorf("stored %d statements and %d debriefs, want 1 and 1", n, len(v.due(t)))
	}
}

func TestBatchAllOrNothing(t *testing.T) {
	const a, b = "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
	for _, tc := range []struct {
		name   string
		body   string
		status int
	}{
		{"OneInvalid", "[" + stmt(a, now) + `,{"actor":{"mbox":"mailto:x@example.com"},"verb":{"id":"not an iri"},"object":{"id":"https://x.example.com/"}}]`, 400},
		{"DuplicateIDs", "[" + stmt(a, now) + "," + stmt(a, now) + "]", 400},
		{"Conflict", "[" + stmt(a, now) + "," + stmt(b, "2026-06-01T00:00:00Z") + "]", 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, baseConfig, now)
			// b is stored already, with other content than "Conflict" sends.
			if resp, body := v.do(t, "POST", "/xapi/statements", stmt(b, now)); resp.StatusCode != 200 {
				t.Fatalf("setup: %d %s", resp.StatusCode, body)
			}
			resp, body := v.do(t, "POST", "/xapi/statements", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if n := v.stored(t); n != 1 {
				t.Errorf("stored %d statements, want only the first request's 1", n)
			}
		})
	}
}

func TestInvalidStatements(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	for name, body := range map[string]string{
		"TwoIdentifiers": `{"actor":{"mbox":"mailto:a@example.com","account":{"homePage":"https://x.example.com","name":"1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"}}`,
		"NoIdentifier":   `{"actor":{"name":"A"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"}}`,
		"BadMbox":        `{"actor":{"mbox":"a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"}}`,
		"BadTimestamp":   `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"},"timestamp":"yesterday"}`,
		"NoZone":         `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"},"timestamp":"2026-06-02T10:00:00"}`,
		"RelativeIRI":    `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"completed"},"object":{"id":"https://x.example.com/1"}}`,
		"BadID":          `{"id":"42","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"}}`,
		"UnknownProp":    `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example.com/1"},"extra":1}`,
		"VoidingNoRef":   `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"id":"https://x.example.com/1"}}`,
		"NotJSON":        `{"actor":`,
		"EmptyArray":     `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, text := v.do(t, "POST", "/xapi/statements", body)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, text)
			}
		})
	}
	if n := v.stored(t); n != 0 {
		t.Errorf("stored %d invalid statements", n)
	}
}

func TestTooLarge(t *testing.T) {
	cfg := strings.Replace(baseConfig, "burst = 1000\n", "burst = 1000\nmax_bytes = 2048\n", 1)
	v := newEnv(t, cfg, now)
	var parts []string
	for range 20 {
		parts = append(parts, stmt("", now))
	}
	resp, body := v.do(t, "POST", "/xapi/statements", "["+strings.Join(parts, ",")+"]")
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413: %s", resp.StatusCode, body)
	}
	if n := v.stored(t); n != 0 {
		t.Errorf("stored %d statements of a refused request", n)
	}
}

func TestRateLimit(t *testing.T) {
	cfg := strings.Replace(baseConfig, "rate = 1000\nburst = 1000\n", "rate = 1\nburst = 2\n", 1)
	v := newEnv(t, cfg, now)
	for i := range 2 {
		if resp, body := v.do(t, "POST", "/xapi/statements", stmt("", now)); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, _ := v.do(t, "POST", "/xapi/statements", stmt("", now))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("third request: %d Retry-After %q, want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := v.stored(t); n != 2 {
		t.Errorf("stored %d, want 2", n)
	}
	// A second later the bucket has room again (the clock is the test's).
	v.clock.Set("2026-06-02T10:00:01Z")
	if resp, _ := v.do(t, "POST", "/xapi/statements", stmt("", now)); resp.StatusCode != 200 {
		t.Fatalf("after the wait: %d", resp.StatusCode)
	}
}

func TestUnmappedAndOldNudgeNobody(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	unknownLearner := strings.Replace(stmt("", now), "priya@example.com", "stranger@example.com", 1)
	unknownModule := strings.Replace(stmt("", now), "view.php?id=7", "view.php?id=99", 1)
	unknownVerb := strings.Replace(stmt("", now), "verbs/completed", "verbs/experienced", 1)
	old := stmt("", "2026-05-01T10:00:00Z")
	for _, body := range []string{unknownLearner, unknownModule, unknownVerb, old} {
		if resp, text := v.do(t, "POST", "/xapi/statements", body); resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, text)
		}
	}
	counts, _ := v.intake.Counts()
	if counts["unmapped"] != 3 || counts["old"] != 1 || counts["event"] != 0 {
		t.Errorf("counts %v, want 3 unmapped and 1 old", counts)
	}
	if due := v.due(t); len(due) != 0 {
		t.Errorf("%d nudges scheduled, want none", len(due))
	}
}

func TestVoidingCancelsUnsentDebrief(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	const id = "cccccccc-0000-4000-8000-000000000001"
	if resp, body := v.do(t, "POST", "/xapi/statements", stmt(id, now)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if len(v.due(t)) != 1 {
		t.Fatal("no debrief scheduled")
	}
	void := `{"id":"cccccccc-0000-4000-8000-0000000000ff","actor":{"mbox":"mailto:admin@example.com"},` +
		`"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"` + id + `"}}`
	if resp, body := v.do(t, "POST", "/xapi/statements", void); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	if sent := v.chat.Sent(); len(sent) != 0 {
		t.Fatalf("sent %q after the completion was voided", sent[0].Title)
	}
	// The voided completion reported again under its id changes nothing.
	if resp, _ := v.do(t, "POST", "/xapi/statements", stmt(id, now)); resp.StatusCode != 200 {
		t.Fatalf("redelivery: %d", resp.StatusCode)
	}
	if len(v.due(t)) != 0 {
		t.Error("a redelivered voided statement scheduled a debrief")
	}
}

// Voiding after the debrief was queued (the sweep moved it to the
// outbox) but before it was sent cancels it there.
func TestVoidingCancelsQueuedDebrief(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	const id = "cccccccc-0000-4000-8000-000000000002"
	v.do(t, "POST", "/xapi/statements", stmt(id, now))
	v.clock.Set("2026-06-04T10:00:00Z")
	if _, err := v.engine.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	void := `{"actor":{"mbox":"mailto:admin@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},` +
		`"object":{"objectType":"StatementRef","id":"` + id + `"}}`
	if resp, body := v.do(t, "POST", "/xapi/statements", void); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	v.flush(t)
	if sent := v.chat.Sent(); len(sent) != 0 {
		t.Fatalf("sent %q after the completion was voided", sent[0].Title)
	}
}

func TestFutureTimestampCountsAsNow(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	if resp, body := v.do(t, "POST", "/xapi/statements", stmt("", "2027-01-01T00:00:00Z")); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	due := v.due(t)
	if len(due) != 1 || due[0].At.After(v.clock.Now().Add(72*time.Hour)) {
		t.Fatalf("due %+v: want the debrief two working days from now, not from 2027", due)
	}
}
