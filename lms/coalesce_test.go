package lms_test

import (
	"strings"
	"testing"
)

// completion of module m1 by who (an email) at ts, with id.
func completion(id, who, ts string) string {
	return strings.Replace(stmt(id, ts), "priya@example.com", who, 1)
}

func TestCoalesce_OneDebriefNamesEveryone(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	for _, s := range []string{
		completion("dddddddd-0000-4000-8000-000000000001", "priya@example.com", "2026-06-02T09:00:00Z"),
		completion("dddddddd-0000-4000-8000-000000000002", "tom.berg@example.com", "2026-06-02T09:40:00Z"),
	} {
		if resp, body := v.do(t, "POST", "/xapi/statements", s); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	if due := v.due(t); len(due) != 1 {
		t.Fatalf("%d nudges, want one for both", len(due))
	}
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	sent := v.chat.Sent()
	if len(sent) != 1 || !strings.Contains(sent[0].Title, "Priya Shah and Tom Berg") ||
		!strings.Contains(sent[0].Lines[0], `have finished "Giving feedback"`) {
		t.Fatalf("sent %+v, want one debrief naming Priya and Tom", sent)
	}
}

func TestCoalesce_OutsideWindowSeparate(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	v.do(t, "POST", "/xapi/statements", completion("", "priya@example.com", "2026-05-31T09:00:00Z"))
	v.do(t, "POST", "/xapi/statements", completion("", "tom.berg@example.com", "2026-06-02T09:00:00Z"))
	if due := v.due(t); len(due) != 2 {
		t.Fatalf("%d nudges, want one each (two days apart, window 24h)", len(due))
	}
}

func TestCoalesce_VoidingOneKeepsTheOther(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	v.do(t, "POST", "/xapi/statements", completion("dddddddd-0000-4000-8000-000000000001", "priya@example.com", "2026-06-02T09:00:00Z"))
	v.do(t, "POST", "/xapi/statements", completion("dddddddd-0000-4000-8000-000000000002", "tom.berg@example.com", "2026-06-02T09:40:00Z"))
	void := `{"actor":{"mbox":"mailto:admin@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},` +
		`"object":{"objectType":"StatementRef","id":"dddddddd-0000-4000-8000-000000000001"}}`
	if resp, body := v.do(t, "POST", "/xapi/statements", void); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	sent := v.chat.Sent()
	if len(sent) != 1 || !strings.Contains(sent[0].Title, "Debrief with Tom Berg:") {
		t.Fatalf("sent %+v, want Tom's debrief alone", sent)
	}
}
