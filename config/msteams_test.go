package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const teamsBase = `
[chat]
platform = "teams"
[http]
listen = "127.0.0.1:3978"
[msteams]
app_id = "00000000-0000-0000-0000-0000000000a1"
tenant_id = "11111111-1111-1111-1111-111111111111"
service_urls = ["https://smba.trafficmanager.net/emea"]
[[programs]]
id = "p"
name = "P"
launch = "2026-06-01"
weeks = 4
[[managers]]
id = "ann"
name = "Ann"
email = "ann@example.com"
teams_id = "6a1f3c2e-1111-4d2b-9c3a-0123456789ab"
`

func TestMSTeams(t *testing.T) {
	t.Run("SecretFromEnvironment", func(t *testing.T) {
		t.Setenv("MICROSOFT_APP_PASSWORD", "secret-teams-pw")
		cfg, probs := loadText(t, teamsBase)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		m := cfg.MSTeams
		if m.UserIDs["ann"] != "6a1f3c2e-1111-4d2b-9c3a-0123456789ab" {
			t.Fatalf("teams_id not kept: %v", m.UserIDs)
		}
		if m.AppPassword.Value() != "secret-teams-pw" || m.TenantRate != 50 || m.ServiceURLs[0] != "https://smba.trafficmanager.net/emea/" {
			t.Fatalf("msteams config %+v", m)
		}
		for _, out := range []string{fmt.Sprint(m), fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m)} {
			if strings.Contains(out, "secret-teams-pw") {
				t.Fatalf("the secret is printed: %s", out)
			}
		}
	})
	t.Run("SecretFromFile", func(t *testing.T) {
		t.Setenv("MICROSOFT_APP_PASSWORD", "")
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("from-file\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, probs := loadText(t, strings.Replace(teamsBase, "[msteams]\n", "[msteams]\napp_password_file = \""+filepath.Join(dir, "pw")+"\"\n", 1))
		if len(probs) > 0 || cfg.MSTeams.AppPassword.Value() != "from-file" {
			t.Fatalf("%v %+v", probs, cfg)
		}
	})
	t.Run("MissingSecretAndIDs", func(t *testing.T) {
		t.Setenv("MICROSOFT_APP_PASSWORD", "")
		text := strings.Replace(teamsBase, "app_id = \"00000000-0000-0000-0000-0000000000a1\"\n", "", 1)
		text = strings.Replace(text, "listen = \"127.0.0.1:3978\"\n", "", 1)
		_, probs := loadText(t, text)
		got := probs.Error()
		for _, want := range []string{"msteams.app_password_file", "MICROSOFT_APP_PASSWORD", "msteams.app_id", "http.listen"} {
			if !strings.Contains(got, want) {
				t.Errorf("problems lack %s:\n%s", want, got)
			}
		}
	})
	t.Run("DevelopmentModeNeedsNoIdentity", func(t *testing.T) {
		t.Setenv("MICROSOFT_APP_PASSWORD", "")
		text := strings.Replace(teamsBase, "app_id = \"00000000-0000-0000-0000-0000000000a1\"\n", "dev_skip_auth = true\n", 1)
		cfg, probs := loadText(t, text)
		if len(probs) > 0 || !cfg.MSTeams.DevSkipAuth || cfg.MSTeams.AppPassword != "" {
			t.Fatalf("%v %+v", probs, cfg.MSTeams)
		}
	})
	t.Run("BadValues", func(t *testing.T) {
		t.Setenv("MICROSOFT_APP_PASSWORD", "pw")
		text := strings.Replace(teamsBase, "[msteams]\n", "[msteams]\nlogin_authority = \"ftp://x\"\ntenant_rate = 80\n", 1)
		text = strings.Replace(text, "6a1f3c2e-1111-4d2b-9c3a-0123456789ab", "ann", 1)
		_, probs := loadText(t, text)
		got := probs.Error()
		for _, want := range []string{"msteams.login_authority", "msteams.tenant_rate", "teams_id"} {
			if !strings.Contains(got, want) {
				t.Errorf("problems lack %s:\n%s", want, got)
			}
		}
	})
}
