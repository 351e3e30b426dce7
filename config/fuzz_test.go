package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nudgebot/nudgebot/config"
)

// Loading any configuration returns a config or an error, never a panic.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"../config.example.toml", "testdata/csv_duplicate_member.toml", "testdata/bad_cron.toml"} {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(t.TempDir(), "nudgebot.toml")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		config.Load(path)
	})
}

// Any roster CSV loads or is reported, never a panic.
func FuzzRoster(f *testing.F) {
	for _, name := range []string{"testdata/csv_duplicate_member.csv", "testdata/csv_bad_timezone.csv"} {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte("manager_id,manager_name\n\"m1,\"\"x\n"))
	f.Fuzz(func(t *testing.T, csv []byte) {
		dir := t.TempDir()
		toml := "[[programs]]\nid = \"p\"\nname = \"P\"\nlaunch = \"2025-03-03\"\nweeks = 12\n\n[roster]\ncsv = \"roster.csv\"\n"
		if err := os.WriteFile(filepath.Join(dir, "roster.csv"), csv, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "nudgebot.toml"), []byte(toml), 0o600); err != nil {
			t.Fatal(err)
		}
		config.Load(filepath.Join(dir, "nudgebot.toml"))
	})
}
