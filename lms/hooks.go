package lms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nudgebot/nudgebot/config"
)

// Vendor webhooks (POST /hooks/{source}) for systems that push their own
// events instead of xAPI: each becomes a statement (a completion of an
// activity by an actor) under an id derived from the vendor's event id,
// so a redelivered webhook is the same statement and changes nothing.

// Hook is a vendor event as nudgebot reads it.
type Hook struct {
	EventID  string // the vendor's id for this delivery's event, stable across retries
	Complete bool   // a completion; other events are acknowledged and dropped
	Bulk     bool   // fired by a bulk action (an import): recorded, nudging nobody
	Actor    Agent
	Activity string // an IRI built from the vendor's course id
	Name     string // the course's name in the vendor
	At       time.Time
}

// ParseDocebo reads a Docebo webhook: the envelope (message_id, event,
// fired_by_batch_action, original_domain) and, for
// course.enrollment.completed, its payload.
func ParseDocebo(body []byte) (*Hook, error) {
	var env struct {
		MessageID      json.RawMessage `json:"message_id"`
		Event          string          `json:"event"`
		Batch          json.RawMessage `json:"fired_by_batch_action"`
		OriginalDomain string          `json:"original_domain"`
		Payload        struct {
			UserID         json.RawMessage `json:"user_id"`
			Username       string          `json:"username"`
			Email          string          `json:"email"`
			CourseID       json.RawMessage `json:"course_id"`
			CourseName     string          `json:"course_name"`
			CompletionDate string          `json:"completion_date"`
			FiredAt        string          `json:"fired_at"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: not a Docebo webhook (%s)", ErrInvalid, jsonProblem(err))
	}
	h := &Hook{EventID: scalar(env.MessageID), Bulk: truthy(env.Batch)}
	if h.EventID == "" {
		return nil, fmt.Errorf("%w: Docebo webhook without message_id", ErrInvalid)
	}
	if env.Event != "course.enrollment.completed" {
		return h, nil
	}
	p := &env.Payload
	domain := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(env.OriginalDomain, "https://"), "http://"), "/")
	course, user := scalar(p.CourseID), scalar(p.UserID)
	if domain == "" || strings.ContainsAny(domain, "/ ") || course == "" {
		return nil, fmt.Errorf("%w: Docebo completion without original_domain or course_id", ErrInvalid)
	}
	h.Complete = true
	h.Activity = "https://" + domain + "/learn/course/" + course
	if !isIRI(h.Activity) {
		return nil, fmt.Errorf("%w: Docebo original_domain or course_id makes no IRI", ErrInvalid)
	}
	h.Name = p.CourseName
	switch {
	case strings.Contains(p.Email, "@"):
		h.Actor.Mbox = "mailto:" + p.Email
	case strings.Contains(p.Username, "@"):
		h.Actor.Mbox = "mailto:" + p.Username
	case user != "":
		h.Actor.HomePage, h.Actor.Name = "https://"+domain, user
	default:
		return nil, fmt.Errorf("%w: Docebo completion without a user", ErrInvalid)
	}
	// Docebo writes "2006-01-02 15:04:05", in UTC.
	for _, s := range []string{p.CompletionDate, p.FiredAt} {
		if t, err := time.Parse(time.DateTime, s); err == nil {
			h.At = t
			break
		}
	}
	return h, nil
}

// ParseCanvas reads a Canvas Live Event (the claims of the signed JWT):
// metadata and body; course_completed is a completion.
func ParseCanvas(claims []byte) (*Hook, error) {
	var ev struct {
		Metadata struct {
			EventName string          `json:"event_name"`
			EventID   string          `json:"event_id"`
			EventTime string          `json:"event_time"`
			UserID    json.RawMessage `json:"user_id"`
			UserLogin string          `json:"user_login"`
			Hostname  string          `json:"hostname"`
		} `json:"metadata"`
		Body struct {
			Course struct {
				ID   json.RawMessage `json:"id"`
				Name string          `json:"name"`
			} `json:"course"`
			Progress struct {
				CompletedAt string `json:"completed_at"`
			} `json:"progress"`
			User struct {
				Email string          `json:"email"`
				ID    json.RawMessage `json:"id"`
			} `json:"user"`
		} `json:"body"`
	}
	if err := json.Unmarshal(claims, &ev); err != nil {
		return nil, fmt.Errorf("%w: not a Canvas live event (%s)", ErrInvalid, jsonProblem(err))
	}
	md, b := &ev.Metadata, &ev.Body
	if md.EventName == "" {
		return nil, fmt.Errorf("%w: Canvas event without metadata.event_name", ErrInvalid)
	}
	h := &Hook{EventID: md.EventID}
	if md.EventName != "course_completed" {
		return h, nil
	}
	course, user := scalar(b.Course.ID), or(scalar(b.User.ID), scalar(md.UserID))
	host := md.Hostname
	if course == "" || host == "" || strings.ContainsAny(host, "/ ") {
		return nil, fmt.Errorf("%w: Canvas course_completed without a course id or hostname", ErrInvalid)
	}
	h.Complete = true
	h.Activity = "https://" + host + "/courses/" + course
	if !isIRI(h.Activity) {
		return nil, fmt.Errorf("%w: Canvas hostname or course id makes no IRI", ErrInvalid)
	}
	h.Name = b.Course.Name
	switch {
	case strings.Contains(b.User.Email, "@"):
		h.Actor.Mbox = "mailto:" + b.User.Email
	case strings.Contains(md.UserLogin, "@"):
		h.Actor.Mbox = "mailto:" + md.UserLogin
	case user != "":
		h.Actor.HomePage, h.Actor.Name = "https://"+host, user
	default:
		return nil, fmt.Errorf("%w: Canvas course_completed without a user", ErrInvalid)
	}
	for _, s := range []string{b.Progress.CompletedAt, md.EventTime} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			h.At = t
			break
		}
	}
	if h.EventID == "" {
		// Older Canvas events carry no event id: the completion itself
		// (who, which course, when) is the identity.
		h.EventID = "course_completed/" + user + "/" + course + "/" + b.Progress.CompletedAt
	}
	return h, nil
}

// statement turns a completion into the statement it stands for.
func (h *Hook) statement(source string, raw []byte) *Statement {
	// A name-based id: the same vendor event is always the same statement.
	id := nameUUID(source + "\x00" + h.EventID)
	content := sha256.Sum256([]byte(strings.Join([]string{h.EventID, h.Actor.Mbox, h.Actor.HomePage, h.Actor.Name,
		h.Activity, h.At.UTC().Format(time.RFC3339Nano), strconv.FormatBool(h.Bulk)}, "\x00")))
	return &Statement{ID: id, Actor: h.Actor, Verb: "http://adlnet.gov/expapi/verbs/completed",
		Object: Object{Type: "Activity", ID: h.Activity, Name: h.Name}, Timestamp: h.At,
		Raw: raw, Hash: hex.EncodeToString(content[:])}
}

// scalar is a JSON string or number as text ("" for anything else).
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// truthy reads a flag vendors write as true, 1 or "true".
func truthy(raw json.RawMessage) bool {
	switch strings.Trim(string(raw), `"`) {
	case "true", "1":
		return true
	}
	return false
}

// hook serves POST /hooks/{source}.
func (s *Server) hook(w http.ResponseWriter, r *http.Request) {
	cfg := s.intake.engine.Config()
	src := cfg.Source(r.PathValue("source"))
	if src == nil || (src.Kind != config.SourceCanvas && src.Kind != config.SourceDocebo) {
		http.NotFound(w, r)
		return
	}
	if ok, wait := s.limits.allow(src, s.now()); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		fail(w, http.StatusTooManyRequests, "source %s is over its rate limit", src.Name)
		return
	}
	body, ok := readBody(w, r, src)
	if !ok {
		return
	}
	var h *Hook
	var err error
	raw := body
	switch src.Kind {
	case config.SourceDocebo:
		if !signedBody(r, body, src.Secret.Value()) {
			fail(w, http.StatusUnauthorized, "%v", errAuth)
			return
		}
		h, err = ParseDocebo(body)
	case config.SourceCanvas:
		raw, err = s.canvasClaims(src, body)
		if err != nil {
			fail(w, http.StatusUnauthorized, "%v", errAuth)
			return
		}
		h, err = ParseCanvas(raw)
	}
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	if !h.Complete {
		w.WriteHeader(http.StatusNoContent) // not an event nudgebot acts on
		return
	}
	_, err = s.intake.Accept(r.Context(), src, []*Statement{h.statement(src.Name, raw)}, Flags{Bulk: h.Bulk})
	if s.stored(w, src, err) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// signedBody checks a webhook's proof of origin: an HMAC-SHA256 of the
// body, hex, in X-Docebo-Signature or X-Hub-Signature-256 (optionally
// "sha256="-prefixed), or the shared secret itself in X-Webhook-Secret
// for senders that can only add a fixed header.
func signedBody(r *http.Request, body []byte, secret string) bool {
	if secret == "" {
		return false
	}
	for _, h := range []string{"X-Docebo-Signature", "X-Hub-Signature-256"} {
		if v := r.Header.Get(h); v != "" {
			got, err := hex.DecodeString(strings.TrimPrefix(v, "sha256="))
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write(body)
			return err == nil && hmac.Equal(got, mac.Sum(nil))
		}
	}
	if v := r.Header.Get("X-Webhook-Secret"); v != "" {
		return sameSecret(v, secret)
	}
	return false
}

// canvasClaims verifies a signed Canvas live event (the body is a JWT,
// RS256, signed with the key whose public half the source names) and
// returns its claims as JSON.
func (s *Server) canvasClaims(src *config.Source, body []byte) ([]byte, error) {
	if src.PublicKey == nil {
		return nil, errAuth
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(strings.TrimSpace(string(body)), claims, func(*jwt.Token) (any, error) {
		return src.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}), jwt.WithTimeFunc(s.now), jwt.WithLeeway(time.Minute), jwt.WithJSONNumber())
	if err != nil {
		return nil, errors.Join(errAuth, err)
	}
	return json.Marshal(claims)
}
