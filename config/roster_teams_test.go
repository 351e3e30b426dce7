package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/config"
)

// loadRoster loads teamsBase with a CSV roster beside it.
func loadRoster(t *testing.T, csv string) (*config.Config, config.Problems) {
	t.Helper()
	t.Setenv("MICROSOFT_APP_PASSWORD", "secret-teams-pw")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nudgebot.toml")
	if err := os.WriteFile(path, []byte(teamsBase+"[roster]\ncsv = \"roster.csv\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	var probs config.Problems
	if err != nil && !errors.As(err, &probs) {
		t.Fatal(err)
	}
	return cfg, probs
}

// TestRosterTeamsID: a CSV roster may give a manager's Teams identity
// (manager_teams_id: an AAD object id or a 29:… id), kept as teams_id is
// for a manager in the config file; a malformed one, or rows of one
// manager that disagree on it, are problems at their line.
func TestRosterTeamsID(t *testing.T) {
	const head = "manager_id,manager_name,manager_email,manager_teams_id,team_id,team_name,team_channel,member_id,member_name\n"
	t.Run("Kept", func(t *testing.T) {
		cfg, probs := loadRoster(t, head+
			"bo,Bo Lind,bo@example.com,29:1AbCdEfGh,t1,Team One,19:t1@thread.tacv2,u1,Uma\n"+
			"bo,Bo Lind,bo@example.com,29:1AbCdEfGh,t1,Team One,19:t1@thread.tacv2,u2,Ugo\n"+
			"cy,Cy Moss,cy@example.com,,t2,Team Two,19:t2@thread.tacv2,u3,Ula\n"+
			"di,Di Vo,di@example.com,7b2e4c1a-2222-4d2b-9c3a-0123456789ab,,,,,\n")
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		ids := cfg.MSTeams.UserIDs
		if ids["bo"] != "29:1AbCdEfGh" || ids["di"] != "7b2e4c1a-2222-4d2b-9c3a-0123456789ab" || ids["ann"] == "" {
			t.Fatalf("Teams ids = %v, want bo's and di's from the roster beside ann's from the file", ids)
		}
		if _, ok := ids["cy"]; ok {
			t.Fatalf("a blank manager_teams_id gave cy an id: %v", ids)
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		_, probs := loadRoster(t, head+"bo,Bo Lind,bo@example.com,bo@example.com,,,,,\n")
		if got := probs.Error(); !strings.Contains(got, "roster.csv:2") || !strings.Contains(got, "neither an AAD object id") {
			t.Fatalf("problems: %v", got)
		}
	})
	t.Run("RowsDisagree", func(t *testing.T) {
		_, probs := loadRoster(t, head+
			"bo,Bo Lind,bo@example.com,29:1AbCdEfGh,t1,Team One,19:t1@thread.tacv2,u1,Uma\n"+
			"bo,Bo Lind,bo@example.com,29:2ZyXwVuT,t1,Team One,19:t1@thread.tacv2,u2,Ugo\n")
		if got := probs.Error(); !strings.Contains(got, "roster.csv:3") || !strings.Contains(got, "must agree") {
			t.Fatalf("problems: %v", got)
		}
	})
	t.Run("DetailsForAManagerOfTheFile", func(t *testing.T) {
		_, probs := loadRoster(t, head+"ann,,,29:1AbCdEfGh,,,,,\n")
		if len(probs) == 0 {
			t.Fatal("a roster row gave a Teams id to a manager of the config file without a problem")
		}
	})
}
