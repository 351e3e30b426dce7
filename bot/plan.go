package bot

import (
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// ZoneCache reads the zone a chat platform gave a manager from the identity
// cache in the data file (see bot/slack.CachedZone); "" when none is cached.
type ZoneCache func(identity func(ns, key string) (string, bool), managerID string) string

// PlanConfig is the configuration the bot runs with data file st, for
// `plan`: launches counted from the recorded first run, admins' pauses and
// resumes, and the time zones the platform gave managers whose roster entry
// has none. st may be nil (no data file yet) and zone nil (no platform
// cache). ran is false when the bot has not run on st yet: launches are
// then counted from today, as a first start now would.
func PlanConfig(cfg *config.Config, st *store.Store, today nudges.Date, zone ZoneCache) (eff *config.Config, ran bool, err error) {
	o := config.Overrides{FirstRun: today}
	if st != nil {
		var first nudges.Date
		if first, ran, err = st.ReadFirstRun(); err != nil {
			return nil, false, err
		}
		if ran {
			o.FirstRun = first
		}
		err = st.View(func(tx *store.Tx) error {
			o.Paused = map[string]bool{}
			for _, p := range cfg.Programs {
				if paused, ok := tx.Paused(p.ID); ok {
					o.Paused[p.ID] = paused
				}
			}
			if zone == nil {
				return nil
			}
			o.Zones = map[string]*time.Location{}
			locs := map[string]*time.Location{} // LoadLocation reads tzdata each time
			for _, id := range cfg.ZoneFromChat {
				tz := zone(tx.Identity, id)
				if tz == "" {
					continue
				}
				loc, ok := locs[tz]
				if !ok {
					loc, _ = time.LoadLocation(tz) // nil for a zone this build lacks: the default stays
					locs[tz] = loc
				}
				if loc != nil {
					o.Zones[id] = loc
				}
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
	}
	return cfg.Effective(o), ran, nil
}
