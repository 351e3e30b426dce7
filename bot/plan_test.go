package bot_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// planCount counts what plan lists for every manager over days from first.
func planCount(t testing.TB, cfg *config.Config, first string, days int) int {
	t.Helper()
	d, err := nudges.ParseDate(first)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	p := cfg.Planner()
	for _, m := range cfg.Managers {
		p.Days(m, d, days, func(nudges.Occurrence) { n++ })
	}
	return n
}

func mustDate(t testing.TB, s string) nudges.Date {
	t.Helper()
	d, err := nudges.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestPlanConfig_AsTheBotRuns pins that plan previews what the running bot
// will send: the example's program launches eight days before the first run,
// so before a first run a window ten weeks ahead is in reinforcement (only
// the Friday summaries, one per manager), not in week 2 as it would be if
// the window's start were taken for the first run.
func TestPlanConfig_AsTheBotRuns(t *testing.T) {
	loaded, err := config.Load("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	today := mustDate(t, "2026-06-01")
	const from, days = "2026-08-10", 7

	t.Run("NotRunYet", func(t *testing.T) {
		cfg, ran, err := bot.PlanConfig(loaded, nil, today, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ran {
			t.Error("ran = true with no data file")
		}
		if got := cfg.Program("feedback").Launch; got != mustDate(t, "2026-05-24") {
			t.Errorf("launch = %s, want 2026-05-24 (today - 8 days)", got)
		}
		if got, want := planCount(t, cfg, from, days), len(cfg.Managers); got != want {
			t.Errorf("plan lists %d nudges, want %d (one summary per manager)", got, want)
		}
	})

	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.FirstRun(ctx, mustDate(t, "2026-08-05")); err != nil {
		t.Fatal(err)
	}

	t.Run("FirstRunFromDataFile", func(t *testing.T) {
		cfg, ran, err := bot.PlanConfig(loaded, st, today, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			t.Error("ran = false with a first run recorded")
		}
		// 2026-08-10 is week 2: pledge, check-in, assignment and summary.
		if got, want := planCount(t, cfg, from, days), 4*len(cfg.Managers); got != want {
			t.Errorf("plan lists %d nudges, want %d", got, want)
		}
	})

	t.Run("PausedInDataFile", func(t *testing.T) {
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetPaused("feedback", true) }); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := bot.PlanConfig(loaded, st, today, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := planCount(t, cfg, from, days); got != 0 {
			t.Errorf("plan lists %d nudges of a paused program, want 0", got)
		}
		if loaded.Program("feedback").Paused {
			t.Error("the loaded configuration was written")
		}
	})
}

// TestPlanConfig_ZoneFromChat pins that plan uses the zone the chat platform
// gave a manager whose roster entry names none, as the running bot does.
func TestPlanConfig_ZoneFromChat(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-01T08:00:00Z")
	if err := v.e.SetIdentity(context.Background(), "tz", "ann", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	zone := func(identity func(ns, key string) (string, bool), id string) string {
		tz, _ := identity("tz", id)
		return tz
	}
	cfg, _, err := bot.PlanConfig(v.cfg, v.st, mustDate(t, "2026-06-01"), zone)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	cfg.Planner().Days(cfg.Manager("ann"), mustDate(t, "2026-06-08"), 1, func(o nudges.Occurrence) {
		got = append(got, o.At.UTC().Format(time.RFC3339))
	})
	if len(got) != 1 || got[0] != "2026-06-08T13:30:00Z" {
		t.Errorf("Monday check-in at %v, want [2026-06-08T13:30:00Z] (09:30 in New York)", got)
	}
	if v.cfg.Manager("ann").Calendar.Location.String() != "Europe/London" {
		t.Error("the loaded configuration was written")
	}
}
