package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// teamsUserID is an AAD object id (a GUID) or a Teams user id (29:…).
var teamsUserID = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|29:[A-Za-z0-9_\-]{4,})$`)

// teamsID keeps a manager's teams_id.
func (l *loader) teamsID(key, manager, id string) {
	if !teamsUserID.MatchString(id) {
		l.c.add(key+".teams_id", "%q is neither an AAD object id (a GUID) nor a Teams user id (29:…)", id)
		return
	}
	if l.cfg.MSTeams.UserIDs == nil {
		l.cfg.MSTeams.UserIDs = map[string]string{}
	}
	l.cfg.MSTeams.UserIDs[manager] = id
}

// MSTeams is the [msteams] section, with its secret resolved. (The TOML
// name is not "teams": [[teams]] already holds the roster's teams.)
type MSTeams struct {
	AppID       string // the bot's Microsoft app id
	TenantID    string // the bot's home tenant
	AppPassword Secret // MICROSOFT_APP_PASSWORD or app_password_file
	// ServiceURLs may be called before an activity came from them (the
	// tenant region's connector, e.g. https://smba.trafficmanager.net/emea/).
	ServiceURLs []string
	// Identity endpoints; empty means the public cloud's.
	OpenIDMetadata string // Bot Framework OpenID metadata URL
	LoginAuthority string // Entra login authority (token, tenant keys)
	GraphURL       string // Microsoft Graph base URL
	TenantRate     float64
	// UserIDs maps manager id → AAD object id or Teams user id (29:…),
	// from the managers' teams_id; others are matched by email.
	UserIDs map[string]string
	// DevSkipAuth accepts unauthenticated activities, for a local Bot
	// Framework client; refused unless http.listen is on loopback.
	DevSkipAuth bool
}

type msteamsFile struct {
	AppID           string   `toml:"app_id"`
	TenantID        string   `toml:"tenant_id"`
	AppPasswordFile string   `toml:"app_password_file"`
	ServiceURLs     []string `toml:"service_urls"`
	OpenIDMetadata  string   `toml:"openid_metadata_url"`
	LoginAuthority  string   `toml:"login_authority"`
	GraphURL        string   `toml:"graph_url"`
	TenantRate      *float64 `toml:"tenant_rate"`
	DevSkipAuth     bool     `toml:"dev_skip_auth"`
}

func (l *loader) msteams(f *file) {
	cfg, tf := l.cfg, &f.MSTeams
	t := &cfg.MSTeams // UserIDs are filled in by the managers
	t.AppID, t.TenantID, t.DevSkipAuth = strings.TrimSpace(tf.AppID), strings.TrimSpace(tf.TenantID), tf.DevSkipAuth
	httpURL := func(key, s string) string {
		if s == "" {
			return ""
		}
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			l.c.add(key, "%q is not an http(s) URL", s)
			return ""
		}
		return s
	}
	t.OpenIDMetadata = httpURL("msteams.openid_metadata_url", tf.OpenIDMetadata)
	t.LoginAuthority = strings.TrimSuffix(httpURL("msteams.login_authority", tf.LoginAuthority), "/")
	t.GraphURL = httpURL("msteams.graph_url", tf.GraphURL)
	for i, s := range tf.ServiceURLs {
		if v := httpURL(fmt.Sprintf("msteams.service_urls[%d]", i), s); v != "" {
			t.ServiceURLs = append(t.ServiceURLs, strings.TrimSuffix(v, "/")+"/")
		}
	}
	t.TenantRate = 50
	if tf.TenantRate != nil {
		if *tf.TenantRate <= 0 || *tf.TenantRate > 50 {
			l.c.add("msteams.tenant_rate", "want requests per second between 0 and 50 (Teams' limit per app and tenant), not %v", *tf.TenantRate)
		} else {
			t.TenantRate = *tf.TenantRate
		}
	}
	if cfg.Platform != "teams" {
		return
	}
	// The development mode talks to a local client that checks no
	// token: the bot's identity is optional there.
	if t.AppID == "" && !t.DevSkipAuth {
		l.c.add("msteams.app_id", "missing: the bot's Microsoft app id (the Entra app's client id)")
	}
	if t.TenantID == "" && !t.DevSkipAuth {
		l.c.add("msteams.tenant_id", "missing: the tenant the bot is registered in (single-tenant)")
	}
	if cfg.HTTPListen == "" {
		l.c.add("http.listen", "chat.platform = \"teams\" needs an HTTP server for the messaging endpoint: set http.listen (e.g. \":3978\")")
	}
	if l.noSecrets || (t.DevSkipAuth && tf.AppPasswordFile == "" && getenv("MICROSOFT_APP_PASSWORD") == "") {
		return
	}
	t.AppPassword = l.secret("msteams.app_password_file", tf.AppPasswordFile, "MICROSOFT_APP_PASSWORD", "the bot's client secret")
}
