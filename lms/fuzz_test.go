package lms_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/nudgebot/nudgebot/lms"
)

// FuzzParseStatements: no body panics the parser, and whatever it accepts
// is a statement the rest of the intake can rely on (an id, when it has
// one, is a UUID; a verb; content that hashes).
func FuzzParseStatements(f *testing.F) {
	for _, name := range []string{"moodle_course_completed.json", "cmi5_completed.json"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		f.Add(append(append([]byte("["), raw...), ']'))
	}
	f.Add([]byte(stmt("", now)))
	f.Add([]byte(`[` + stmt("aaaaaaaa-0000-4000-8000-000000000001", now) + `,{"actor":{"objectType":"Group","member":[{}]},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"aaaaaaaa-0000-4000-8000-000000000001"}}]`))
	f.Add([]byte(`{"actor":null}`))
	f.Add([]byte(`[[],{}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		stmts, err := lms.ParseStatements(body)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range stmts {
			if s.Verb == "" || len(s.Hash) != 64 || !json.Valid(s.Raw) {
				t.Fatalf("accepted an unusable statement: %+v", s)
			}
			if s.ID != "" {
				if len(s.ID) != 36 || seen[s.ID] {
					t.Fatalf("accepted id %q (seen before: %v)", s.ID, seen[s.ID])
				}
				seen[s.ID] = true
			}
		}
	})
}

// FuzzParseHooks: no webhook body panics the Docebo or Canvas reader, and
// a completion they accept names an activity IRI and someone who did it.
func FuzzParseHooks(f *testing.F) {
	for _, name := range []string{"docebo_course_completed.json", "canvas_course_completed.json"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"message_id":1,"event":"course.enrollment.completed","original_domain":"x","payload":{"course_id":1.5e300,"user_id":true}}`))
	f.Add([]byte(`{"metadata":{"event_name":"course_completed","hostname":"h"},"body":{"course":{"id":[]}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, parse := range []func([]byte) (*lms.Hook, error){lms.ParseDocebo, lms.ParseCanvas} {
			h, err := parse(body)
			if err != nil || !h.Complete {
				continue
			}
			if _, err := lms.ParseStatement([]byte(`{"actor":{"mbox":"mailto:a@b"},"verb":{"id":"http://x.y/v"},"object":{"id":` + strconvQuote(h.Activity) + `}}`)); err != nil {
				t.Fatalf("completion with activity %q, not an IRI: %v", h.Activity, err)
			}
			if h.Actor.Mbox == "" && h.Actor.Name == "" {
				t.Fatalf("completion by nobody: %+v", h)
			}
		}
	})
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
