// Package testroster writes configurations for tests and benchmarks: a
// test's config file, loaded as the bot loads it, and large generated
// rosters (a config file and a CSV with one manager and one learner per
// row).
package testroster

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nudgebot/nudgebot/config"
)

// Config writes toml as dir/nudgebot.toml and loads it as the bot does:
// a relative data_dir is then inside dir.
func Config(tb testing.TB, dir, toml string) *config.Config {
	tb.Helper()
	path := filepath.Join(dir, "nudgebot.toml")
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		tb.Fatalf("load config: %v", err)
	}
	return cfg
}

// Write creates dir/nudgebot.toml with the given cadences (TOML text) and a
// CSV roster of n managers; zone(i) names manager i's time zone. Every
// manager works every day, all day, so benchmarks measure the scheduler,
// not the calendar's exclusions.
func Write(tb testing.TB, dir string, n int, zone func(i int) string, cadences string) string {
	tb.Helper()
	f, err := os.Create(filepath.Join(dir, "roster.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "team_id,team_name,team_channel,manager_id,manager_name,manager_timezone,working_days,working_hours,member_id,member_name")
	for i := range n {
		fmt.Fprintf(w, "t%06d,Team %d,chan-%d,m%06d,Manager %d,%s,mon;tue;wed;thu;fri;sat;sun,00:00-24:00,l%06d,Learner %d\n",
			i, i, i, i, i, zone(i), i, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	cfg := `data_dir = "data"
[defaults]
max_nudges_per_day = 5
[log]
level = "warn"
[[programs]]
id = "p"
name = "Program"
launch = "2026-01-05"
weeks = 52
[[scripts]]
id = "s"
title = "Script"
minutes = 5
questions = ["One?", "Two?"]
[roster]
csv = "roster.csv"
` + cadences
	path := filepath.Join(dir, "nudgebot.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
