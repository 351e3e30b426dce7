package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/config"
)

const slackBase = `
[chat]
platform = "slack"
[[programs]]
id = "p"
name = "P"
launch = "2026-06-01"
weeks = 4
[[managers]]
id = "ann"
name = "Ann"
email = "ann@example.com"
slack_id = "U012ABCDEF"
`

func loadText(t *testing.T, text string) (*config.Config, config.Problems) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nudgebot.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	var probs config.Problems
	if err != nil && !errors.As(err, &probs) {
		t.Fatal(err)
	}
	return cfg, probs
}

func TestSlack(t *testing.T) {
	t.Run("SocketModeFromEnvironment", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "xoxb-secret-bot")
		t.Setenv("SLACK_APP_TOKEN", "xapp-secret-app")
		cfg, probs := loadText(t, slackBase)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		s := cfg.Slack
		if s.Mode != "socket" || s.BotToken.Value() != "xoxb-secret-bot" || s.AppToken.Value() != "xapp-secret-app" || s.WorkspaceRate != 1 {
			t.Fatalf("slack config %+v", s)
		}
		if s.UserIDs["ann"] != "U012ABCDEF" {
			t.Fatalf("slack_id not kept: %v", s.UserIDs)
		}
		// However the config is printed, no token appears.
		for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v", cfg)} {
			if strings.Contains(out, "secret-bot") || strings.Contains(out, "secret-app") {
				t.Fatalf("a token leaked into %q", out)
			}
		}
	})
	t.Run("MissingTokensReported", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "")
		t.Setenv("SLACK_APP_TOKEN", "")
		_, probs := loadText(t, slackBase)
		got := probs.Error()
		for _, want := range []string{"slack.bot_token_file: missing the Bot User OAuth Token", "SLACK_BOT_TOKEN", "slack.app_token_file: missing an app-level token", "SLACK_APP_TOKEN"} {
			if !strings.Contains(got, want) {
				t.Errorf("problems lack %q:\n%s", want, got)
			}
		}
	})
	t.Run("HTTPModeFromFiles", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "bot"), []byte("xoxb-from-file\n"), 0o600)
		os.WriteFile(filepath.Join(dir, "signing"), []byte("s3cret\n"), 0o600)
		text := strings.Replace(slackBase, "[chat]", fmt.Sprintf("[http]\nlisten = \"127.0.0.1:0\"\n[slack]\nmode = \"http\"\nbot_token_file = %q\nsigning_secret_file = %q\n[chat]",
			filepath.Join(dir, "bot"), filepath.Join(dir, "signing")), 1)
		cfg, probs := loadText(t, text)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		if cfg.Slack.BotToken.Value() != "xoxb-from-file" || cfg.Slack.SigningSecret.Value() != "s3cret" || cfg.HTTPListen != "127.0.0.1:0" {
			t.Fatalf("%+v %q", cfg.Slack, cfg.HTTPListen)
		}
	})
	t.Run("HTTPModeNeedsListener", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "xoxb-x")
		t.Setenv("SLACK_SIGNING_SECRET", "s")
		_, probs := loadText(t, strings.Replace(slackBase, "[chat]", "[slack]\nmode = \"http\"\n[chat]", 1))
		if !strings.Contains(probs.Error(), "http.listen: slack.mode = \"http\" needs an HTTP server") {
			t.Fatalf("problems: %v", probs)
		}
	})
	t.Run("BadValues", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "xoxb-x")
		t.Setenv("SLACK_APP_TOKEN", "xapp-x")
		text := strings.Replace(slackBase, "[chat]", "[slack]\nmode = \"rtm\"\napi_url = \"ftp://x\"\nworkspace_rate = 0.0\nadmins = [\"bob\"]\n[chat]", 1)
		text = strings.Replace(text, `slack_id = "U012ABCDEF"`, `slack_id = "ann"`, 1)
		_, probs := loadText(t, text)
		got := probs.Error()
		for _, want := range []string{"slack.mode: unknown mode \"rtm\"", "slack.api_url:", "slack.workspace_rate:", "slack.admins[0]:", "managers[0].slack_id:"} {
			if !strings.Contains(got, want) {
				t.Errorf("problems lack %q:\n%s", want, got)
			}
		}
	})
	t.Run("ShellNeedsNoSecrets", func(t *testing.T) {
		t.Setenv("SLACK_BOT_TOKEN", "")
		if _, probs := loadText(t, strings.Replace(slackBase, `platform = "slack"`, `platform = "shell"`, 1)); len(probs) > 0 {
			t.Fatal(probs)
		}
	})
}
