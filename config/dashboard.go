package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Dashboard is the [dashboard] section: L&D's web dashboard, its sign-in
// and who may do what there. Secrets come from the environment or files,
// never from the config file.
type Dashboard struct {
	Enabled bool
	// Listen is the dashboard's own address; empty: it is served on
	// http.listen, beside the platform endpoints.
	Listen string
	// ExternalURL is where browsers reach the dashboard (scheme, host,
	// optional path prefix); the sign-in redirect URL is derived from it,
	// and an https one makes session cookies Secure.
	ExternalURL string

	Issuer       string // OpenID Connect issuer; empty: no OIDC sign-in
	ClientID     string
	ClientSecret Secret // NUDGEBOT_OIDC_CLIENT_SECRET or oidc_client_secret_file
	Scopes       []string

	// Admins and Viewers are email addresses or OIDC subjects; an entry
	// "@example.com" matches every verified address of that domain.
	Admins  []string
	Viewers []string

	// AdminToken signs in as an admin without a provider, for air-gapped
	// installs: NUDGEBOT_DASHBOARD_TOKEN or admin_token_file. Empty: off.
	AdminToken Secret

	SessionTTL time.Duration
}

type dashboardFile struct {
	Enabled              bool     `toml:"enabled"`
	Listen               string   `toml:"listen"`
	ExternalURL          string   `toml:"external_url"`
	OIDCIssuer           string   `toml:"oidc_issuer"`
	OIDCClientID         string   `toml:"oidc_client_id"`
	OIDCClientSecretFile string   `toml:"oidc_client_secret_file"`
	OIDCScopes           []string `toml:"oidc_scopes"`
	Admins               []string `toml:"admins"`
	Viewers              []string `toml:"viewers"`
	AdminTokenFile       string   `toml:"admin_token_file"`
	SessionTTL           string   `toml:"session_ttl"`
}

// minAdminToken keeps a guessable token from guarding admin actions.
const minAdminToken = 32

func (l *loader) dashboard(f *file) {
	df, d := &f.Dashboard, &l.cfg.Dashboard
	d.Enabled = df.Enabled
	d.Listen = df.Listen
	if d.Listen != "" {
		if _, _, err := net.SplitHostPort(d.Listen); err != nil {
			l.c.add("dashboard.listen", "%q is not host:port (e.g. \"127.0.0.1:8081\")", d.Listen)
		}
	}
	if df.ExternalURL != "" {
		u, err := url.Parse(df.ExternalURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			l.c.add("dashboard.external_url", "%q is not an http(s) URL without query (e.g. \"https://nudgebot.example.com\")", df.ExternalURL)
		} else {
			d.ExternalURL = strings.TrimSuffix(df.ExternalURL, "/")
		}
	}
	d.Issuer, d.ClientID = df.OIDCIssuer, df.OIDCClientID
	if d.Issuer != "" {
		if u, err := url.Parse(d.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.c.add("dashboard.oidc_issuer", "%q is not an http(s) URL", d.Issuer)
		}
	}
	d.Scopes = df.OIDCScopes
	if len(d.Scopes) == 0 {
		d.Scopes = []string{"openid", "email", "profile"}
	}
	for key, list := range map[string][]string{"dashboard.admins": df.Admins, "dashboard.viewers": df.Viewers} {
		for i, a := range list {
			if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " \t") {
				l.c.add(fmt.Sprintf("%s[%d]", key, i), "%q is neither an email address, a domain (\"@example.com\") nor a subject", a)
			}
		}
	}
	d.Admins, d.Viewers = df.Admins, df.Viewers
	d.SessionTTL = 12 * time.Hour
	if df.SessionTTL != "" {
		if v, ok := l.duration("dashboard.session_ttl", df.SessionTTL, "12h"); ok {
			if v < time.Minute || v > 30*24*time.Hour {
				l.c.add("dashboard.session_ttl", "want between 1m and 720h, got %s", df.SessionTTL)
			}
			d.SessionTTL = v
		}
	}
	if !d.Enabled || l.noSecrets {
		return
	}
	if d.Listen == "" && l.cfg.HTTPListen == "" {
		l.c.add("dashboard.listen", "the dashboard needs an address: set dashboard.listen or http.listen")
	}
	if d.Issuer != "" {
		if d.ClientID == "" {
			l.c.add("dashboard.oidc_client_id", "OIDC sign-in needs the client id the provider gave the app")
		}
		if d.ExternalURL == "" {
			l.c.add("dashboard.external_url", "OIDC sign-in needs the URL browsers reach the dashboard at (the redirect URL is derived from it)")
		}
		d.ClientSecret = l.secret("dashboard.oidc_client_secret_file", df.OIDCClientSecretFile, "NUDGEBOT_OIDC_CLIENT_SECRET", "the OIDC client secret")
		if len(d.Admins)+len(d.Viewers) == 0 {
			l.c.add("dashboard.admins", "nobody may sign in: list admins or viewers (emails, \"@domain\" or subjects)")
		}
	}
	d.AdminToken = l.optionalSecret("dashboard.admin_token_file", df.AdminTokenFile, "NUDGEBOT_DASHBOARD_TOKEN", "the dashboard admin token")
	if d.AdminToken != "" && len(d.AdminToken) < minAdminToken {
		l.c.add("dashboard.admin_token_file", "the admin token is too short: use at least %d characters (e.g. openssl rand -hex 32)", minAdminToken)
	}
	if d.Issuer == "" && d.AdminToken == "" {
		l.c.add("dashboard.oidc_issuer", "no way to sign in: set an OIDC provider (oidc_issuer, oidc_client_id, the client secret) or an admin token (NUDGEBOT_DASHBOARD_TOKEN or admin_token_file)")
	}
}

// optionalSecret is secret for a credential that may be absent: only a
// named file that cannot be read or is empty is a problem.
func (l *loader) optionalSecret(key, file, env, what string) Secret {
	if file == "" && strings.TrimSpace(getenv(env)) == "" {
		return ""
	}
	return l.secret(key, file, env, what)
}
