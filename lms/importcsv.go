package lms

// The CSV side of an import: a Workday Learning report (or any LMS's
// export with these columns), one completion per row, turned into
// statements.

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// csvColumns are the CSV columns an import reads; the header names them
// in any order. A learner is email or lms_id; verb is an event name
// (completed, passed, failed, enrolled) or a verb IRI.
var csvColumns = []string{"id", "email", "lms_id", "activity", "name", "verb", "timestamp"}

// csvStatements reads a CSV's header and returns a reader of its rows as
// statements.
func csvStatements(r io.Reader) (func() (*Statement, error), error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range csvColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Errorf("CSV header: unknown column %q (the columns are %s)", h, strings.Join(csvColumns, ", "))
		}
		col[h] = i
	}
	for _, need := range []string{"activity", "timestamp"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("CSV header: missing column %q", need)
		}
	}
	_, hasEmail := col["email"]
	_, hasLMS := col["lms_id"]
	if !hasEmail && !hasLMS {
		return nil, errors.New(`CSV header: needs an "email" or an "lms_id" column to find the learner`)
	}
	line := 1
	return func() (*Statement, error) {
		rec, err := cr.Read()
		line++
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("CSV: %w", err)
		}
		cell := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		s, err := csvRow(cell)
		if err != nil {
			return nil, fmt.Errorf("CSV line %d: %w", line, err)
		}
		return s, nil
	}, nil
}

// eventVerbs are the verb IRIs a CSV's event names stand for.
var eventVerbs = map[string]string{
	"completed": "http://adlnet.gov/expapi/verbs/completed",
	"passed":    "http://adlnet.gov/expapi/verbs/passed",
	"failed":    "http://adlnet.gov/expapi/verbs/failed",
	"enrolled":  "http://adlnet.gov/expapi/verbs/registered",
}

func csvRow(cell func(string) string) (*Statement, error) {
	s := &Statement{Verb: eventVerbs["completed"]}
	if v := cell("verb"); v != "" {
		if iri, ok := eventVerbs[strings.ToLower(v)]; ok {
			s.Verb = iri
		} else if isIRI(v) {
			s.Verb = v
		} else {
			return nil, fmt.Errorf("%w: verb %q is neither an event name nor an IRI", ErrInvalid, clip(v))
		}
	}
	switch email, id := cell("email"), cell("lms_id"); {
	case email != "":
		if !strings.Contains(email, "@") {
			return nil, fmt.Errorf("%w: email %q", ErrInvalid, clip(email))
		}
		s.Actor.Mbox = "mailto:" + email
	case id != "":
		s.Actor.HomePage, s.Actor.Name = "urn:nudgebot:import", id
	default:
		return nil, fmt.Errorf("%w: no email or lms_id", ErrInvalid)
	}
	s.Object = Object{Type: "Activity", ID: cell("activity"), Name: cell("name")}
	if !isIRI(s.Object.ID) {
		return nil, fmt.Errorf("%w: activity %q is not an absolute IRI", ErrInvalid, clip(s.Object.ID))
	}
	ts := cell("timestamp")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, ts); err != nil {
			return nil, fmt.Errorf("%w: timestamp %q (want 2006-01-02T15:04:05Z or 2006-01-02)", ErrInvalid, clip(ts))
		}
	}
	s.Timestamp = t
	if id := cell("id"); id != "" {
		if !isUUID(id) {
			return nil, fmt.Errorf("%w: id %q is not a UUID", ErrInvalid, clip(id))
		}
		s.ID = strings.ToLower(id)
	}
	raw, _ := json.Marshal(map[string]any{"actor": map[string]any{"mbox": s.Actor.Mbox, "account": s.Actor.Name},
		"verb": map[string]string{"id": s.Verb}, "object": map[string]any{"id": s.Object.ID, "name": s.Object.Name},
		"timestamp": ts})
	s.Raw = raw
	sum := sha256.Sum256(raw)
	s.Hash = hex.EncodeToString(sum[:])
	return s, nil
}
