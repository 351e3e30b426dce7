package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const dashBase = `
[http]
listen = "127.0.0.1:0"
[[programs]]
id = "p"
name = "P"
launch = "2026-06-01"
weeks = 4
[[managers]]
id = "ann"
name = "Ann"
`

func problemKeys(probs []string) []string { slices.Sort(probs); return probs }

func TestDashboard(t *testing.T) {
	t.Run("OIDCWithSecretFromEnvironment", func(t *testing.T) {
		t.Setenv("NUDGEBOT_OIDC_CLIENT_SECRET", "oidc-secret-value")
		cfg, probs := loadText(t, dashBase+`
[dashboard]
enabled = true
external_url = "https://nudgebot.example.com/"
oidc_issuer = "https://login.microsoftonline.com/tenant/v2.0"
oidc_client_id = "app-id"
admins = ["ld@example.com"]
viewers = ["@example.com", "00u1abcd"]
session_ttl = "8h"
`)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		d := cfg.Dashboard
		if !d.Enabled || d.ExternalURL != "https://nudgebot.example.com" || d.ClientSecret.Value() != "oidc-secret-value" ||
			d.SessionTTL != 8*time.Hour || !slices.Equal(d.Scopes, []string{"openid", "email", "profile"}) || d.AdminToken != "" {
			t.Fatalf("%+v", d)
		}
		if out := fmt.Sprintf("%+v %#v", d, d); strings.Contains(out, "oidc-secret-value") {
			t.Fatalf("the secret prints: %s", out)
		}
	})
	t.Run("TokenFromFile", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "token"), []byte(strings.Repeat("x", 40)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, probs := loadText(t, dashBase+fmt.Sprintf("[dashboard]\nenabled = true\nlisten = \"127.0.0.1:0\"\nadmin_token_file = %q\n", filepath.Join(dir, "token")))
		if len(probs) > 0 || cfg.Dashboard.AdminToken.Value() != strings.Repeat("x", 40) {
			t.Fatalf("%v %+v", probs, cfg.Dashboard)
		}
	})
	t.Run("DisabledNeedsNothing", func(t *testing.T) {
		cfg, probs := loadText(t, dashBase+"[dashboard]\noidc_issuer = \"https://slack.com\"\n")
		if len(probs) > 0 || cfg.Dashboard.Enabled {
			t.Fatal(probs)
		}
	})
	for _, tc := range []struct {
		name, toml string
		env        map[string]string
		keys       []string
	}{
		{"NoWayToSignIn", "enabled = true", nil, []string{"dashboard.oidc_issuer"}},
		{"ShortToken", "enabled = true", map[string]string{"NUDGEBOT_DASHBOARD_TOKEN": "abc123-token"}, []string{"dashboard.admin_token_file"}},
		{"OIDCIncomplete", "enabled = true\noidc_issuer = \"https://slack.com\"", nil,
			[]string{"dashboard.admins", "dashboard.external_url", "dashboard.oidc_client_id", "dashboard.oidc_client_secret_file"}},
		{"BadValues", "listen = \"nope\"\nexternal_url = \"ftp://x\"\noidc_issuer = \"not a url\"\nadmins = [\"a b\"]\nsession_ttl = \"5s\"", nil,
			[]string{"dashboard.admins[0]", "dashboard.external_url", "dashboard.listen", "dashboard.oidc_issuer", "dashboard.session_ttl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, probs := loadText(t, dashBase+"[dashboard]\n"+tc.toml+"\n")
			var keys []string
			for _, p := range probs {
				keys = append(keys, p.Key)
				if strings.Contains(p.Msg, "abc123") {
					t.Errorf("a problem shows the token: %s", p.Msg)
				}
			}
			if got := problemKeys(keys); !slices.Equal(got, tc.keys) {
				t.Fatalf("problems at %v, want %v: %v", got, tc.keys, probs)
			}
		})
	}
}
