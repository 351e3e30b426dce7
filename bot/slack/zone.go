package slack

import (
	"context"
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/config"
)

// nsZone caches a Slack user's IANA time zone by user id.
const nsZone = "slack-tz"

// ResolveZones gives managers whose roster names no time zone the zone of
// their Slack profile (users.info `tz`, an IANA name; never `tz_offset`,
// which is a snapshot that goes wrong at the next DST change). It runs
// before the engine sees cfg, so schedules are computed in the right zone
// from the start. Zones are cached; lookups stop when budget runs out (a
// large roster on a first start) and the rest keep the default zone until
// the next start or reload. It reports how many managers are still pending.
func (a *Adapter) ResolveZones(ctx context.Context, cfg *config.Config, budget time.Duration) (pending int) {
	if _, err := a.bound(); err != nil || len(cfg.ZoneFromChat) == 0 {
		return len(cfg.ZoneFromChat)
	}
	deadline := time.Now().Add(budget)
	zones := map[string]*time.Location{} // LoadLocation reads tzdata each time
	for _, id := range cfg.ZoneFromChat {
		m := cfg.Manager(id)
		if m == nil {
			continue
		}
		tz, err := a.zoneOf(ctx, id, time.Now().After(deadline))
		if err != nil || tz == "" {
			pending++
			continue
		}
		loc := zones[tz]
		if loc == nil {
			if loc, err = time.LoadLocation(tz); err != nil {
				pending++
				continue
			}
			zones[tz] = loc
		}
		m.Calendar.Location = loc
	}
	if pending > 0 {
		a.log.Warn().Int("managers", pending).Msg("time zone unknown (not in the roster, not learned from Slack yet): using the default zone")
	}
	return pending
}

// zoneOf returns a manager's Slack time zone, from the cache or, unless
// cacheOnly, from users.info.
func (a *Adapter) zoneOf(ctx context.Context, managerID string, cacheOnly bool) (string, error) {
	e, err := a.bound()
	if err != nil {
		return "", err
	}
	if uid := a.knownUser(e, managerID); uid != "" {
		if tz, ok := e.Identity(nsZone, uid); ok {
			return tz, nil
		}
	}
	if cacheOnly {
		return "", nil
	}
	uid, err := a.slackUser(ctx, e, managerID)
	if err != nil {
		return "", err
	}
	var tz string
	err = a.call(ctx, "users.info", func(ctx context.Context) error {
		u, err := a.api.GetUserInfoContext(ctx, uid)
		if err == nil {
			tz = u.TZ
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("users.info %s: %w", uid, err)
	}
	if tz != "" {
		if err := e.SetIdentity(ctx, nsZone, uid, tz); err != nil {
			return "", err
		}
	}
	return tz, nil
}
