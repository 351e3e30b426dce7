package dash

import (
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/nudges/insight"
	"golang.org/x/oauth2"
)

// Prefix is where the dashboard is mounted, on its own listener or beside
// the platform endpoints.
const Prefix = "/dashboard"

// CSP allows nothing but this origin's own stylesheet and forms: no script
// of any kind, no frames, no plug-ins. Charts are inline SVG markup, styled
// by attributes, which a policy without 'unsafe-inline' allows.
const CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Options configure a Dashboard.
type Options struct {
	Backend Backend
	// ExternalURL is where browsers reach the bot (no trailing slash); the
	// OIDC redirect URL is ExternalURL + "/dashboard/callback".
	ExternalURL string
	// The OIDC provider; Issuer empty: no OIDC sign-in.
	Issuer, ClientID, ClientSecret string
	Scopes                         []string
	ProviderName                   string // shown on the sign-in button
	Admins, Viewers                []string
	// AdminToken, when set, signs in as an admin (and authorizes the JSON
	// API as a bearer token).
	AdminToken string
	SessionTTL time.Duration
	// ReportMaxAge is how old cached figures may be before a page asks for
	// them again (in the background: the page shows the last ones).
	ReportMaxAge time.Duration
	Now          func() time.Time
	HTTPClient   *http.Client // talks to the OIDC provider; nil: the default
	// WriteCSV writes the report download; nil: reach and teams only.
	WriteCSV func(io.Writer, insight.View) error
	Logger   zerolog.Logger
}

// Dashboard serves the pages, actions and API.
type Dashboard struct {
	opt      Options
	b        Backend
	now      func() time.Time
	log      zerolog.Logger
	sessions *sessions
	pages    map[string]*template.Template
	cache    *cache
	live     liveFigures
	mux      *http.ServeMux

	mu    sync.Mutex // guards prov, oauth
	prov  *oidc.Provider
	oauth *oauth2.Config
}

//go:embed templates/*.tmpl
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns a dashboard. It fails only on a programming error in its own
// templates or missing required options.
func New(opt Options) (*Dashboard, error) {
	if opt.Backend == nil {
		return nil, errors.New("dashboard: no backend")
	}
	if opt.Issuer == "" && opt.AdminToken == "" {
		return nil, errors.New("dashboard: no way to sign in (set an OIDC issuer or an admin token)")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.ReportMaxAge <= 0 {
		opt.ReportMaxAge = time.Minute
	}
	if len(opt.Scopes) == 0 {
		opt.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if opt.ProviderName == "" {
		opt.ProviderName = "your organisation's account"
	}
	opt.ExternalURL = strings.TrimSuffix(opt.ExternalURL, "/")
	d := &Dashboard{opt: opt, b: opt.Backend, now: opt.Now, log: opt.Logger,
		sessions: newSessions(opt.SessionTTL, opt.Now), cache: newCache(opt.ReportMaxAge, opt.Now), live: liveFigures{now: opt.Now}}
	var err error
	if d.pages, err = parsePages(); err != nil {
		return nil, err
	}
	d.routes()
	return d, nil
}

// Close waits for background refreshes of cached figures to finish; the
// live figures start no new one after it, and pages show them as they
// stand.
func (d *Dashboard) Close() {
	d.cache.wait()
	d.live.close()
}

// ServeHTTP serves every dashboard route, each with the security headers.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if d.secure(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	d.mux.ServeHTTP(w, r)
}

// handler is a route behind a session.
type handler func(w http.ResponseWriter, r *http.Request, ss *session)

func (d *Dashboard) routes() {
	m := http.NewServeMux()
	d.mux = m
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+Prefix+"/login", d.loginPage)
	m.HandleFunc("GET "+Prefix+"/login/oidc", d.loginOIDC)
	m.HandleFunc("POST "+Prefix+"/login/token", d.loginToken)
	m.HandleFunc("GET "+Prefix+"/callback", d.callback)
	m.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusMovedPermanently)
	})

	for path, h := range d.pageRoutes() {
		m.Handle("GET "+Prefix+path, d.auth(RoleViewer, h))
	}
	m.Handle("POST "+Prefix+"/logout", d.auth(RoleViewer, d.logout))
	m.Handle("POST "+Prefix+"/action/{name}", d.auth(RoleAdmin, d.action))
	m.Handle("GET "+Prefix+"/report.csv", d.auth(RoleAdmin, d.reportCSV))
	m.Handle("GET "+Prefix+"/api/programs", d.auth(RoleViewer, d.apiPrograms))
	m.Handle("GET "+Prefix+"/api/report", d.auth(RoleViewer, d.apiReport))
	m.Handle("GET "+Prefix+"/api/logs", d.auth(RoleViewer, d.apiLogs))
	m.Handle(Prefix+"/", d.auth(RoleViewer, func(w http.ResponseWriter, r *http.Request, ss *session) {
		d.errorPage(w, r, http.StatusNotFound, "There is no such page.")
	}))
}

// Routes lists every route behind a session, for tests that must see each
// refused without one.
func (d *Dashboard) Routes() (get, post []string) {
	for path := range d.pageRoutes() {
		get = append(get, Prefix+path)
	}
	get = append(get, Prefix+"/report.csv", Prefix+"/api/programs", Prefix+"/api/report", Prefix+"/api/logs")
	post = []string{Prefix + "/logout"}
	for name := range actions {
		post = append(post, Prefix+"/action/"+name)
	}
	return get, post
}

// auth lets a request through only with a live session of at least role,
// and a POST only with the session's CSRF token. The JSON API also takes
// the admin token as a bearer token, for BI tools.
func (d *Dashboard) auth(role Role, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := strings.HasPrefix(r.URL.Path, Prefix+"/api/")
		ss := d.session(r)
		if ss == nil && api && d.opt.AdminToken != "" {
			if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && hmacEqual(tok, d.opt.AdminToken) {
				ss = &session{user: "token", role: RoleAdmin}
			}
		}
		switch {
		case ss == nil && (api || r.Method != http.MethodGet):
			w.Header().Set("WWW-Authenticate", `Bearer realm="nudgebot"`)
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		case ss == nil:
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		case role == RoleAdmin && ss.role != RoleAdmin:
			d.errorPage(w, r, http.StatusForbidden, "Only admins may do this.")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if !validCSRF(ss, r.PostFormValue("csrf")) {
				d.errorPage(w, r, http.StatusForbidden, "This form is not valid any more (missing or stale security token). Reload the page and try again.")
				return
			}
		}
		h(w, r, ss)
	})
}
