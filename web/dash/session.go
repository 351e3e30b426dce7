package dash

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Role is what a signed-in person may do.
type Role string

// The roles. A viewer sees every page; an admin may also act.
const (
	RoleViewer Role = "viewer"
	RoleAdmin  Role = "admin"
)

// session is a signed-in person. Sessions live on the server: the cookie
// only names one, so logging out (or a restart) ends it for good, whatever
// a copied cookie says.
type session struct {
	id      string
	user    string // email, subject, or "token"
	email   string // verified email, if any
	role    Role
	csrf    string
	expires time.Time
}

type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	key []byte
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, key: []byte(rand.Text() + rand.Text()), ttl: ttl, now: now}
}

// maxSessions bounds memory: a flood of sign-ins cannot grow it forever.
const maxSessions = 10000

func (s *sessions) create(user, email string, role Role) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= maxSessions {
		for id, ss := range s.m {
			if !now.Before(ss.expires) {
				delete(s.m, id)
			}
		}
		for id := range s.m {
			if len(s.m) < maxSessions {
				break
			}
			delete(s.m, id) // the oldest are not known cheaply; any will do
		}
	}
	ss := &session{id: rand.Text(), user: user, email: email, role: role, csrf: rand.Text(), expires: now.Add(s.ttl)}
	s.m[ss.id] = ss
	return ss
}

func (s *sessions) sign(v string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// cookieValue is the session id and its signature: a forged or altered id
// is refused before any lookup.
func (s *sessions) cookieValue(ss *session) string { return ss.id + "." + s.sign(ss.id) }

func (s *sessions) lookup(value string) *session {
	id, sig, ok := strings.Cut(value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(id))) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[id]
	if ss == nil {
		return nil
	}
	if !s.now().Before(ss.expires) {
		delete(s.m, id)
		return nil
	}
	return ss
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// validCSRF compares a form's token with the session's in constant time.
func validCSRF(ss *session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(token)) == 1
}

// Cookie names. The session cookie is HttpOnly (no script reads it),
// SameSite=Lax (a cross-site form cannot carry it; the sign-in redirect
// back from the provider still can) and Secure whenever the dashboard is
// reached over TLS.
const (
	cookieSession = "nudgebot_session"
	cookieLogin   = "nudgebot_login" // the OIDC state, nonce and PKCE verifier, signed
)

func (d *Dashboard) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: d.secure(r)}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// secure is whether cookies get the Secure flag: over TLS, behind a proxy
// that terminates it (the external URL is https), or when told so.
func (d *Dashboard) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(d.opt.ExternalURL, "https://")
}

// session returns the request's live session, or nil.
func (d *Dashboard) session(r *http.Request) *session {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return nil
	}
	return d.sessions.lookup(c.Value)
}
