package slack_test

import (
	"context"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

func TestResolveZones_FromSlackProfile(t *testing.T) {
	v := newEnv(t, "2026-06-01T07:00:00Z") // Monday
	v.fake.zones[uAnn] = "America/Los_Angeles"
	ctx := context.Background()
	load := func() *config.Config {
		cfg, err := config.Load(v.cfg.Path)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := load()
	v.a.ResolveZones(ctx, cfg, time.Minute)
	if got := cfg.Manager("ann").Calendar.Location.String(); got != "America/Los_Angeles" {
		t.Fatalf("ann's zone %q, want her Slack profile's America/Los_Angeles", got)
	}
	if err := v.e.Reload(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	// Her Monday 09:30 check-in is now 09:30 in Los Angeles: 16:30 UTC.
	var at time.Time
	v.st.View(func(tx *store.Tx) error {
		return tx.DueRows(func(d store.Due) error {
			if d.Manager == "ann" && d.Cadence == "checkin" && (at.IsZero() || d.At.After(at)) {
				at = d.At
			}
			return nil
		})
	})
	if want := time.Date(2026, 6, 1, 16, 30, 0, 0, time.UTC); !at.Equal(want) {
		t.Fatalf("ann's next check-in at %v, want %v", at.UTC(), want)
	}
	// A reload resolves from the cache: Slack is not asked about ann again.
	annLookups := func() (n int) {
		for _, c := range v.fake.Calls("users.info") {
			if c.Form.Get("user") == uAnn {
				n++
			}
		}
		return n
	}
	before := annLookups()
	cfg = load()
	v.a.ResolveZones(ctx, cfg, time.Minute)
	if got := cfg.Manager("ann").Calendar.Location.String(); got != "America/Los_Angeles" {
		t.Fatalf("after reload: %q", got)
	}
	if after := annLookups(); after != before {
		t.Fatalf("users.info asked %d more times for cached zones", after-before)
	}
}
