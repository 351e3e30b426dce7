package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/config"
)

// TestLoad_FilesAreReadWithALimit: a secret or roster path that names an
// endless file (/dev/zero) is a problem naming the file, not a bot that
// reads until it runs out of memory.
func TestLoad_FilesAreReadWithALimit(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	for _, tc := range []struct{ name, text, want string }{
		{"SecretFile", slackBase + "[slack]\nbot_token_file = \"/dev/zero\"\n",
			"slack.bot_token_file: cannot read the Bot User OAuth Token (xoxb-…): /dev/zero: file too large (more than 64 KiB)"},
		{"RosterCSV", "[roster]\ncsv = \"/dev/zero\"\n" + strings.SplitN(slackBase, "[[managers]]", 2)[0],
			"roster.csv: cannot read the roster: /dev/zero: file too large (more than 256 MiB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SLACK_APP_TOKEN", "xapp-1-test")
			_, probs := loadText(t, tc.text)
			if !strings.Contains(probs.Error(), tc.want) {
				t.Fatalf("problems:\n%v\nwant one containing %q", probs, tc.want)
			}
		})
	}
	t.Run("ConfigFile", func(t *testing.T) {
		_, err := config.Load("/dev/zero")
		if err == nil || !strings.Contains(err.Error(), "/dev/zero: file too large") {
			t.Fatalf("Load(/dev/zero) = %v, want a file-too-large problem", err)
		}
	})
}

// TestLoadWith_NoSecrets: commands that never talk to the platform load a
// Slack config without its tokens; running the bot still needs them.
func TestLoadWith_NoSecrets(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_APP_TOKEN", "")
	path := filepath.Join(t.TempDir(), "nudgebot.toml")
	if err := os.WriteFile(path, []byte(slackBase), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadWith(path, config.Options{NoSecrets: true})
	if err != nil {
		t.Fatalf("without secrets: %v", err)
	}
	if cfg.Platform != "slack" || cfg.Slack.BotToken != "" {
		t.Fatalf("platform %q, bot token set %v", cfg.Platform, cfg.Slack.BotToken != "")
	}
	var probs config.Problems
	if _, err := config.Load(path); !errors.As(err, &probs) || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Fatalf("Load without tokens = %v, want the missing token reported", err)
	}
}
