// Package lms takes in learning events from learning systems: the xAPI
// statement resource (the subset of an LRS's API that senders use), with
// per-source authentication and limits, and the mapping of statements to
// roster learners and program modules. A statement that maps to an event
// schedules the engine's event nudges (the debrief, the follow-ups) in the
// same commit that makes the statement durable.
package lms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Limits on one statement. The request as a whole is bounded per source
// (max_bytes); these keep one statement from being most of it.
const (
	maxStatementBytes = 64 << 10
	maxBatch          = 5000
	maxIRI            = 2048
)

// VerbVoided is xAPI's voiding verb.
const VerbVoided = "http://adlnet.gov/expapi/verbs/voided"

// ErrInvalid is a statement (or batch) that breaks the xAPI rules: the
// sender hears 400 and nothing of the request is kept.
var ErrInvalid = errors.New("invalid statement")

// Statement is an xAPI statement as far as nudgebot reads it; Raw keeps the
// whole of it as sent.
type Statement struct {
	ID        string
	Actor     Agent
	Verb      string
	Object    Object
	Timestamp time.Time // zero when the statement has none
	// Registration is the cmi5/xAPI context registration: cmi5 allows one
	// completed per unit per registration, so it is part of the event's
	// identity.
	Registration string
	Raw          json.RawMessage
	// Hash is of the statement's content without the properties an LRS
	// sets (id, stored, authority, version): the same statement redelivered
	// hashes the same whatever its key order.
	Hash string
}

// Agent is a statement's actor. Exactly one of the identifiers is set.
type Agent struct {
	Mbox        string
	MboxSHA1Sum string
	OpenID      string
	HomePage    string // account
	Name        string // account name
}

// Object is a statement's object: an activity, or for voiding a
// statement reference.
type Object struct {
	Type string // Activity, StatementRef, Agent, Group, SubStatement
	ID   string
	Name string // definition.name, any language
}

// statementProps are the properties a statement may have; an LRS rejects
// any other.
var statementProps = map[string]bool{"id": true, "actor": true, "verb": true, "object": true, "result": true,
	"context": true, "timestamp": true, "stored": true, "authority": true, "version": true, "attachments": true}

type wireAgent struct {
	ObjectType  string          `json:"objectType"`
	Name        json.RawMessage `json:"name"`
	Mbox        *string         `json:"mbox"`
	MboxSHA1Sum *string         `json:"mbox_sha1sum"`
	OpenID      *string         `json:"openid"`
	Account     *struct {
		HomePage string `json:"homePage"`
		Name     string `json:"name"`
	} `json:"account"`
	Member []json.RawMessage `json:"member"`
}

type wireStatement struct {
	ID    *string   `json:"id"`
	Actor wireAgent `json:"actor"`
	Verb  struct {
		ID string `json:"id"`
	} `json:"verb"`
	Object struct {
		ObjectType string `json:"objectType"`
		ID         string `json:"id"`
		Definition *struct {
			Name map[string]string `json:"name"`
		} `json:"definition"`
	} `json:"object"`
	Context *struct {
		Registration string `json:"registration"`
	} `json:"context"`
	Timestamp *string `json:"timestamp"`
}

// ParseStatements reads a request body: one statement or an array of
// them. Every statement is validated; the first problem fails the whole
// body, since a batch is stored all or nothing. Statement ids repeated
// within the body are an error too.
func ParseStatements(body []byte) ([]*Statement, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrInvalid)
	}
	var raws []json.RawMessage
	valid := false
	if body[0] == '[' {
		if raws, valid = splitArray(body); !valid {
			// encoding/json says what is wrong, in the words senders see.
			if err := json.Unmarshal(body, &raws); err != nil {
				return nil, fmt.Errorf("%w: not a JSON array of statements (%s)", ErrInvalid, jsonProblem(err))
			}
		}
		if len(raws) == 0 {
			return nil, fmt.Errorf("%w: an empty array", ErrInvalid)
		}
		if len(raws) > maxBatch {
			return nil, fmt.Errorf("%w: %d statements in one request; at most %d", ErrInvalid, len(raws), maxBatch)
		}
	} else {
		raws = []json.RawMessage{body}
	}
	out := make([]*Statement, len(raws))
	seen := make(map[string]int, len(raws))
	for i, raw := range raws {
		s, err := parseStatement(raw, parseCopy, valid)
		if err != nil {
			if len(raws) > 1 {
				return nil, fmt.Errorf("statement %d: %w", i, err)
			}
			return nil, err
		}
		if s.ID != "" {
			if j, dup := seen[s.ID]; dup {
				return nil, fmt.Errorf("%w: statements %d and %d share the id %s", ErrInvalid, j, i, s.ID)
			}
			seen[s.ID] = i
		}
		out[i] = s
	}
	return out, nil
}

// ParseStatement reads and validates one statement.
func ParseStatement(raw []byte) (*Statement, error) { return parseStatement(raw, parseCopy, false) }

// How parseStatement treats raw: an import's lines are its own already,
// and its check pass needs only the verdict, not the content hash.
const (
	parseCopy  = iota // raw is the caller's: keep a copy
	parseOwned        // raw is not used again by the caller: keep it
	parseCheck        // only validate: no Raw, no Hash
)

// valid: raw is known to be valid JSON (an element of a valid array).
func parseStatement(raw []byte, mode int, valid bool) (*Statement, error) {
	if len(raw) > maxStatementBytes {
		return nil, fmt.Errorf("%w: %d bytes; a statement may have at most %d", ErrInvalid, len(raw), maxStatementBytes)
	}
	props, ok := splitObject(raw, valid)
	if !ok {
		// encoding/json says what is wrong, in the words senders see.
		err := json.Unmarshal(raw, &props)
		if err != nil || props == nil {
			return nil, fmt.Errorf("%w: not a JSON object (%s)", ErrInvalid, jsonProblem(err))
		}
	}
	for k, v := range props {
		if !statementProps[k] {
			return nil, fmt.Errorf("%w: unknown property %q", ErrInvalid, clip(k))
		}
		if string(v) == "null" {
			return nil, fmt.Errorf("%w: property %q is null", ErrInvalid, k)
		}
	}
	// Only the properties nudgebot reads are decoded, each from its own
	// bytes: a second pass over the whole statement (results, extensions,
	// attachments' metadata) was a third of an import's parsing.
	var w wireStatement
	for _, f := range [...]struct {
		name string
		dst  any
	}{{"id", &w.ID}, {"actor", &w.Actor}, {"verb", &w.Verb}, {"object", &w.Object}, {"context", &w.Context}, {"timestamp", &w.Timestamp}} {
		if v, ok := props[f.name]; ok {
			if err := json.Unmarshal(v, f.dst); err != nil {
				return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, f.name, jsonProblem(err))
			}
		}
	}
	s := &Statement{}
	switch mode {
	case parseCopy:
		s.Raw = bytes.Clone(raw)
	case parseOwned:
		s.Raw = raw
	}
	if w.ID != nil {
		if !isUUID(*w.ID) {
			return nil, fmt.Errorf("%w: id %q is not a UUID", ErrInvalid, clip(*w.ID))
		}
		s.ID = strings.ToLower(*w.ID)
	}
	if _, ok := props["actor"]; !ok {
		return nil, fmt.Errorf("%w: no actor", ErrInvalid)
	}
	var err error
	if s.Actor, err = agent(&w.Actor); err != nil {
		return nil, err
	}
	if !isIRI(w.Verb.ID) {
		return nil, fmt.Errorf("%w: verb id %q is not an absolute IRI", ErrInvalid, clip(w.Verb.ID))
	}
	s.Verb = w.Verb.ID
	if err := object(s, &w); err != nil {
		return nil, err
	}
	if w.Timestamp != nil {
		t, err := parseTimestamp(*w.Timestamp)
		if err != nil {
			return nil, err
		}
		s.Timestamp = t
	}
	if w.Context != nil && w.Context.Registration != "" {
		if !isUUID(w.Context.Registration) {
			return nil, fmt.Errorf("%w: context.registration %q is not a UUID", ErrInvalid, clip(w.Context.Registration))
		}
		s.Registration = strings.ToLower(w.Context.Registration)
	}
	if mode != parseCheck {
		s.Hash = contentHash(props)
	}
	return s, nil
}

func agent(a *wireAgent) (Agent, error) {
	var out Agent
	if a.ObjectType != "" && a.ObjectType != "Agent" && a.ObjectType != "Group" {
		return out, fmt.Errorf("%w: actor objectType %q (want Agent or Group)", ErrInvalid, clip(a.ObjectType))
	}
	n := 0
	if a.Mbox != nil {
		n++
		addr, ok := strings.CutPrefix(*a.Mbox, "mailto:")
		if !ok || !strings.Contains(addr, "@") || strings.ContainsAny(addr, " <>") {
			return out, fmt.Errorf("%w: actor mbox must be mailto:address", ErrInvalid)
		}
		out.Mbox = *a.Mbox
	}
	if a.MboxSHA1Sum != nil {
		n++
		if len(*a.MboxSHA1Sum) != 40 || !isHex(*a.MboxSHA1Sum) {
			return out, fmt.Errorf("%w: actor mbox_sha1sum must be 40 hex digits", ErrInvalid)
		}
		out.MboxSHA1Sum = strings.ToLower(*a.MboxSHA1Sum)
	}
	if a.OpenID != nil {
		n++
		if !isIRI(*a.OpenID) {
			return out, fmt.Errorf("%w: actor openid is not an absolute IRI", ErrInvalid)
		}
		out.OpenID = *a.OpenID
	}
	if a.Account != nil {
		n++
		if !isIRI(a.Account.HomePage) || a.Account.Name == "" {
			return out, fmt.Errorf("%w: actor account needs an IRI homePage and a name", ErrInvalid)
		}
		out.HomePage, out.Name = a.Account.HomePage, a.Account.Name
	}
	switch {
	case n > 1:
		return out, fmt.Errorf("%w: actor has %d identifiers (mbox, mbox_sha1sum, openid, account); exactly one is allowed", ErrInvalid, n)
	case n == 0 && (a.ObjectType != "Group" || len(a.Member) == 0):
		return out, fmt.Errorf("%w: actor has no identifier (mbox, mbox_sha1sum, openid or account)", ErrInvalid)
	}
	return out, nil
}

func object(s *Statement, w *wireStatement) error {
	o := &w.Object
	s.Object.Type = o.ObjectType
	if s.Object.Type == "" {
		s.Object.Type = "Activity"
	}
	switch s.Object.Type {
	case "Activity":
		if !isIRI(o.ID) {
			return fmt.Errorf("%w: object id %q is not an absolute IRI", ErrInvalid, clip(o.ID))
		}
		if o.Definition != nil {
			s.Object.Name = langValue(o.Definition.Name)
		}
	case "StatementRef":
		if !isUUID(o.ID) {
			return fmt.Errorf("%w: StatementRef id %q is not a UUID", ErrInvalid, clip(o.ID))
		}
	case "Agent", "Group", "SubStatement":
	default:
		return fmt.Errorf("%w: object objectType %q", ErrInvalid, clip(o.ObjectType))
	}
	s.Object.ID = o.ID
	if s.Verb == VerbVoided && s.Object.Type != "StatementRef" {
		return fmt.Errorf("%w: a voiding statement's object must be a StatementRef", ErrInvalid)
	}
	return nil
}
