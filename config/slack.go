package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Slack is the [slack] section, with its secrets resolved.
type Slack struct {
	Mode          string // "socket" (default) or "http"
	APIURL        string // Web API base; empty: Slack's own
	BotToken      Secret // SLACK_BOT_TOKEN or bot_token_file
	AppToken      Secret // SLACK_APP_TOKEN or app_token_file (Socket Mode)
	SigningSecret Secret // SLACK_SIGNING_SECRET or signing_secret_file (HTTP mode)
	Admins        []string
	WorkspaceRate float64           // chat.postMessage per second, workspace-wide
	UserIDs       map[string]string // manager id → Slack user id, where the roster gives one
}

// Secret is a credential. It prints as [redacted], so a config dumped into a
// log or an error message never carries it.
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return "[redacted]" }

// Value is the credential itself, for the one call that needs it.
func (s Secret) Value() string { return string(s) }

var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// getenv is os.Getenv; tests use t.Setenv.
var getenv = os.Getenv

func (l *loader) slack(f *file) {
	cfg, sf := l.cfg, &f.Slack
	cfg.HTTPListen = f.HTTP.Listen
	if cfg.HTTPListen != "" {
		if _, _, err := net.SplitHostPort(cfg.HTTPListen); err != nil {
			l.c.add("http.listen", "%q is not host:port (e.g. \"127.0.0.1:8080\" or \":8080\")", cfg.HTTPListen)
		}
	}
	s := &cfg.Slack
	s.Mode = or(sf.Mode, "socket")
	if s.Mode != "socket" && s.Mode != "http" {
		l.c.add("slack.mode", "unknown mode %q (want socket or http)", sf.Mode)
	}
	if sf.APIURL != "" {
		if u, err := url.Parse(sf.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.c.add("slack.api_url", "%q is not an http(s) URL", sf.APIURL)
		} else {
			s.APIURL = strings.TrimSuffix(sf.APIURL, "/") + "/"
		}
	}
	s.WorkspaceRate = 1
	if sf.WorkspaceRate != nil {
		if *sf.WorkspaceRate <= 0 || *sf.WorkspaceRate > 100 {
			l.c.add("slack.workspace_rate", "want messages per second between 0 and 100, not %v", *sf.WorkspaceRate)
		} else {
			s.WorkspaceRate = *sf.WorkspaceRate
		}
	}
	for i, a := range sf.Admins {
		if !slackUserID.MatchString(a) && !validEmail(a) {
			l.c.add(fmt.Sprintf("slack.admins[%d]", i), "%q is neither a Slack user id nor an email address", a)
		}
	}
	s.Admins = sf.Admins
	// Secrets are read only for the platform in use: a shell config needs
	// none, and a Slack one fails here, at start, not at the first nudge.
	if cfg.Platform != "slack" || l.noSecrets {
		return
	}
	s.BotToken = l.secret("slack.bot_token_file", sf.BotTokenFile, "SLACK_BOT_TOKEN", "the Bot User OAuth Token (xoxb-…)")
	switch s.Mode {
	case "socket":
		s.AppToken = l.secret("slack.app_token_file", sf.AppTokenFile, "SLACK_APP_TOKEN", "an app-level token (xapp-…) with connections:write")
	case "http":
		s.SigningSecret = l.secret("slack.signing_secret_file", sf.SigningSecretFile, "SLACK_SIGNING_SECRET", "the app's signing secret")
		if cfg.HTTPListen == "" {
			l.c.add("http.listen", "slack.mode = \"http\" needs an HTTP server: set http.listen (e.g. \":8080\")")
		}
	}
}

// secret reads a credential from the file named by key, or else from the
// environment variable env. Its value never appears in a problem.
func (l *loader) secret(key, file, env, what string) Secret {
	if file != "" {
		raw, err := readLimited(l.resolvePath(file), maxSecretBytes)
		if err != nil {
			l.c.add(key, "cannot read %s: %v", what, err)
			return ""
		}
		if v := strings.TrimSpace(string(raw)); v != "" {
			return Secret(v)
		}
		l.c.add(key, "the file holding %s is empty", what)
		return ""
	}
	if v := strings.TrimSpace(getenv(env)); v != "" {
		return Secret(v)
	}
	l.c.add(key, "missing %s: set %s in the environment, or %s to a file holding it", what, env, key)
	return ""
}
