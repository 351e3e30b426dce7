// Package teamsfake is a Bot Framework stand-in for tests: Entra's token
// endpoint (client credentials), the Bot Framework and tenant OpenID
// metadata with key sets that carry endorsements, and a connector service
// (open a 1:1, send, update) with Teams' rate limits and failures. It
// records what each conversation holds, and signs activities and POSTs
// them to a bot the way Teams does.
//
// It behaves like the platform where that hurts: small token buckets per
// conversation and per tenant answered with 429 and Retry-After, 5xx
// answers after a message was stored, and 403 for a user who has not
// installed the app.
package teamsfake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Options configure a fake.
type Options struct {
	AppID, AppPassword, TenantID string
	// TenantRate and TenantBurst are the connector's bucket per tenant
	// (default 50 requests/s, burst 5).
	TenantRate  float64
	TenantBurst int
	// ConvRate and ConvBurst are the bucket per conversation (default 4/s,
	// burst 7: Teams allows 7 a second and 8 in two).
	ConvRate  float64
	ConvBurst int
	// RetryAfter is announced with a 429 (default 1 s, the header's unit).
	RetryAfter time.Duration
	// TokenLifetime is the expires_in of issued tokens (default 1 h).
	TokenLifetime time.Duration
	// NoAuth accepts connector requests without a token, as a local Bot
	// Framework client (the Agents Playground) does.
	NoAuth bool
	// Latency delays the answer to a post or update, the message already
	// stored (0: at once).
	Latency time.Duration
}

// Server is a running fake.
type Server struct {
	opt Options
	srv *httptest.Server

	BotFrameworkKey *rsa.PrivateKey // endorsed for msteams
	UnendorsedKey   *rsa.PrivateKey // published by Bot Framework, endorsed for another channel
	EntraKey        *rsa.PrivateKey // the tenant's key (no endorsements)
	OtherKey        *rsa.PrivateKey // published nowhere

	mu          sync.Mutex
	tokens      map[string]time.Time // issued access tokens → expiry
	tokenCalls  int
	refuseToken bool
	keyFetches  int
	installed   map[string]bool // user id → app installed
	users       map[string]user // user id → profile
	convs       map[string]*conv
	byMember    map[string]string // user id → 1:1 conversation id
	tenantLimit *rate.Limiter
	convLimits  map[string]*rate.Limiter
	blocked     map[string]time.Time // bucket → Retry-After end announced
	faults      []Fault
	violations  []string
	waiters     []waiter
	requests    int
	throttled   int
	nextID      int
}

type conv struct {
	tenant   string
	member   string
	activity []Activity
}

// New starts a fake on loopback. Close it when done.
func New(o Options) *Server {
	if o.TenantRate == 0 {
		o.TenantRate = 50
	}
	if o.TenantBurst == 0 {
		o.TenantBurst = 5
	}
	if o.ConvRate == 0 {
		o.ConvRate = 4
	}
	if o.ConvBurst == 0 {
		o.ConvBurst = 7
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	f := &Server{
		opt:             o,
		BotFrameworkKey: testKey(0),
		UnendorsedKey:   testKey(1),
		EntraKey:        testKey(2),
		OtherKey:        testKey(3),
		tokens:          map[string]time.Time{},
		installed:       map[string]bool{},
		users:           map[string]user{},
		convs:           map[string]*conv{},
		byMember:        map[string]string{},
		tenantLimit:     rate.NewLimiter(rate.Limit(o.TenantRate), o.TenantBurst),
		convLimits:      map[string]*rate.Limiter{},
		blocked:         map[string]time.Time{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /botframework/.well-known/openidconfiguration", f.metadata("/botframework/keys"))
	mux.HandleFunc("GET /botframework/keys", f.botFrameworkKeys)
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", f.metadata("/entra/keys"))
	mux.HandleFunc("GET /entra/keys", f.entraKeys)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", f.token)
	mux.HandleFunc("POST /connector/v3/conversations", f.open)
	mux.HandleFunc("POST /connector/v3/conversations/{conv}/activities", f.send)
	mux.HandleFunc("GET /connector/v3/conversations/{conv}/members/{user}", f.member)
	mux.HandleFunc("PUT /connector/v3/conversations/{conv}/activities/{id}", f.update)
	f.srv = httptest.NewServer(mux)
	return f
}

// Close stops the fake.
func (f *Server) Close() { f.srv.Close() }

// URL is the fake's base URL.
func (f *Server) URL() string { return f.srv.URL }

// ServiceURL is the connector's service URL, as activities carry it.
func (f *Server) ServiceURL() string { return f.srv.URL + "/connector/" }

// OpenIDMetadata is the Bot Framework metadata URL.
func (f *Server) OpenIDMetadata() string {
	return f.srv.URL + "/botframework/.well-known/openidconfiguration"
}

// Authority is the Entra login authority (token and tenant metadata).
func (f *Server) Authority() string { return f.srv.URL }

// Install marks the app as installed for a user: their 1:1 with the bot
// exists from then on, and the bot may open it.
func (f *Server) Install(userID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.installed[userID] = true
	return f.personal(userID)
}

// personal is the user's 1:1 conversation, made on first use. f.mu is held.
func (f *Server) personal(userID string) string {
	id := f.byMember[userID]
	if id == "" {
		id = "a:1" + strconv.Itoa(len(f.byMember)+1) + "/" + userID // Teams ids hold characters that need escaping
		f.byMember[userID] = id
		f.convs[id] = &conv{tenant: f.opt.TenantID, member: userID}
	}
	return id
}

type user struct{ aad, email string }

// AddUser adds a user of the tenant: their Teams id (29:…), AAD object
// id and email, as the conversation members API returns them.
func (f *Server) AddUser(id, aad, email string) {
	f.mu.Lock()
	f.users[id] = user{aad, email}
	f.mu.Unlock()
}

// RefuseTokens makes the token endpoint answer 401 invalid_client.
func (f *Server) RefuseTokens(refuse bool) {
	f.mu.Lock()
	f.refuseToken = refuse
	f.mu.Unlock()
}

// RevokeTokens invalidates every token issued so far, as Entra does when
// the app's secret is rotated or its tokens revoked: the connector answers
// 401 to them, though they have not expired, and a new token works.
func (f *Server) RevokeTokens() {
	f.mu.Lock()
	clear(f.tokens)
	f.mu.Unlock()
}

// TokenCalls is how many tokens were requested.
func (f *Server) TokenCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls
}

// KeyFetches is how many times a key set was read.
func (f *Server) KeyFetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyFetches
}

func (f *Server) metadata(keysPath string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"issuer": "fake", "jwks_uri": f.srv.URL + keysPath,
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	}
}

func (f *Server) botFrameworkKeys(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.keyFetches++
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"keys": []any{
		jwk(KidBotFramework, &f.BotFrameworkKey.PublicKey, []string{"msteams", "webchat"}),
		jwk(KidUnendorsed, &f.UnendorsedKey.PublicKey, []string{"skype"}),
	}})
}

func (f *Server) entraKeys(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.keyFetches++
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"keys": []any{jwk(KidEntra, &f.EntraKey.PublicKey, nil)}})
}

// Key ids the fake publishes (KidOther is published nowhere).
const (
	KidBotFramework = "bf-key-1"
	KidUnendorsed   = "bf-key-skype"
	KidEntra        = "entra-key-1"
	KidOther        = "unknown-key"
)

func jwk(kid string, pub *rsa.PublicKey, endorsements []string) map[string]any {
	k := map[string]any{"kty": "RSA", "use": "sig", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
	if endorsements != nil {
		k["endorsements"] = endorsements
	}
	return k
}

func (f *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenCalls++
	if f.refuseToken || r.PathValue("tenant") != f.opt.TenantID || id != f.opt.AppID || secret != f.opt.AppPassword ||
		r.PostFormValue("grant_type") != "client_credentials" || r.PostFormValue("scope") != "https://api.botframework.com/.default" {
		writeJSON(w, 401, map[string]any{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	}
	tok := "fake-token-" + strconv.Itoa(f.tokenCalls) // never one revoked before
	f.tokens[tok] = time.Now().Add(f.opt.TokenLifetime)
	writeJSON(w, 200, map[string]any{"token_type": "Bearer", "access_token": tok, "expires_in": int(f.opt.TokenLifetime.Seconds())})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// testKey makes an RSA key for the fake. Keys are generated once per
// process and shared: generating them is the slow part of starting a fake.
func testKey(i int) *rsa.PrivateKey {
	keysOnce.Do(func() {
		for j := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[j] = k
		}
	})
	return keys[i]
}

var (
	keysOnce sync.Once
	keys     [4]*rsa.PrivateKey
)
