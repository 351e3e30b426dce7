package lms

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/config"
)

// VersionHeader is the header every xAPI request and response carries.
const VersionHeader = "X-Experience-API-Version"

// Server serves the xAPI statement resource, the OAuth2 token endpoint
// and the vendor webhooks.
type Server struct {
	intake *Intake
	now    func() time.Time
	log    zerolog.Logger
	limits limiters
}

// NewServer returns the HTTP side of in.
func NewServer(in *Intake) *Server {
	return &Server{intake: in, now: in.now, log: in.log}
}

// Mount registers the endpoints on mux (the bot's one HTTP server).
func (s *Server) Mount(mux interface{ Handle(string, http.Handler) }) {
	mux.Handle("POST /xapi/statements", http.HandlerFunc(s.postStatements))
	mux.Handle("PUT /xapi/statements", http.HandlerFunc(s.putStatement))
	mux.Handle("GET /xapi/about", http.HandlerFunc(s.about))
	mux.Handle("POST /xapi/oauth/token", http.HandlerFunc(s.token))
	mux.Handle("POST /hooks/{source}", http.HandlerFunc(s.hook))
}

// version checks the request's xAPI version and answers with the one
// used: 1.0.x requests get 1.0.3, 2.0.0 gets 2.0.0.
func version(w http.ResponseWriter, r *http.Request) bool {
	v := r.Header.Get(VersionHeader)
	switch {
	case v == "2.0.0":
		w.Header().Set(VersionHeader, "2.0.0")
		return true
	case strings.HasPrefix(v, "1.0.") && len(v) > 4 && isDigits(v[4:]):
		w.Header().Set(VersionHeader, "1.0.3")
		return true
	}
	w.Header().Set(VersionHeader, "1.0.3")
	if v == "" {
		fail(w, http.StatusBadRequest, "missing %s header (1.0.x or 2.0.0)", VersionHeader)
	} else {
		fail(w, http.StatusBadRequest, "unsupported %s %q (1.0.x or 2.0.0)", VersionHeader, clip(v))
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (s *Server) about(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(VersionHeader, "1.0.3")
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"version":["1.0.3","2.0.0"]}`)
}

// admit authenticates, rate-limits and reads the body of an xAPI request;
// on failure it has answered and returns nil.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (*config.Source, []byte) {
	if !version(w, r) {
		return nil, nil
	}
	cfg := s.intake.engine.Config()
	src, err := s.authenticate(cfg, r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="nudgebot xAPI"`)
		fail(w, http.StatusUnauthorized, "%v", err)
		return nil, nil
	}
	if ok, wait := s.limits.allow(src, s.now()); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		fail(w, http.StatusTooManyRequests, "source %s is over its rate limit", src.Name)
		return nil, nil
	}
	body, ok := readBody(w, r, src)
	if !ok {
		return nil, nil
	}
	return src, body
}

// readBody reads a request body up to the source's max_bytes; on failure
// it has answered (413 when too large).
func readBody(w http.ResponseWriter, r *http.Request, src *config.Source) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, src.MaxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "request over %d bytes (the source's max_bytes)", src.MaxBytes)
		} else {
			fail(w, http.StatusBadRequest, "cannot read the request body")
		}
		return nil, false
	}
	return body, true
}

func (s *Server) postStatements(w http.ResponseWriter, r *http.Request) {
	src, body := s.admit(w, r)
	if src == nil {
		return
	}
	stmts, err := ParseStatements(body)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	res, err := s.intake.Accept(r.Context(), src, stmts, Flags{})
	if !s.stored(w, src, err) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res.IDs)
}

func (s *Server) putStatement(w http.ResponseWriter, r *http.Request) {
	src, body := s.admit(w, r)
	if src == nil {
		return
	}
	id := r.URL.Query().Get("statementId")
	if !isUUID(id) {
		fail(w, http.StatusBadRequest, "statementId must be a UUID")
		return
	}
	st, err := ParseStatement(body)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	id = strings.ToLower(id)
	if st.ID != "" && st.ID != id {
		fail(w, http.StatusBadRequest, "the statement's id differs from statementId")
		return
	}
	st.ID = id
	_, err = s.intake.Accept(r.Context(), src, []*Statement{st}, Flags{})
	if s.stored(w, src, err) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// stored answers a failed Accept and reports whether it succeeded.
func (s *Server) stored(w http.ResponseWriter, src *config.Source, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrConflict):
		fail(w, http.StatusConflict, "%v", err)
	default:
		s.log.Error().Err(err).Str("source", src.Name).Msg("storing statements failed")
		fail(w, http.StatusServiceUnavailable, "statements not stored; try again")
	}
	return false
}

// token is the OAuth2 client-credentials endpoint (RFC 6749 §4.4): the
// client authenticates with Basic or client_id/client_secret in the form.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	cfg := s.intake.engine.Config()
	src := byKey(cfg, id, config.SourceXAPI)
	if src == nil || !sameSecret(secret, src.Secret.Value()) {
		w.Header().Set("WWW-Authenticate", `Basic realm="nudgebot xAPI"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if ok, wait := s.limits.allow(src, s.now()); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		oauthError(w, http.StatusTooManyRequests, "slow_down")
		return
	}
	tok, ttl := s.issueToken(src, s.now())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(ttl.Seconds()), "scope": "xapi:write"})
}

func oauthError(w http.ResponseWriter, code int, e string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"error\":%q}\n", e)
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	http.Error(w, fmt.Sprintf(format, args...), code)
}
