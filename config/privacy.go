package config

import "time"

// The settings that protect people: the minimum group an aggregate may
// cover, how long logs are kept, and the guardrails against nudge fatigue.

// minRetention is the shortest retention period: summaries, digests and the
// week-on-week comparisons read four weeks back.
const minRetention = 28 * 24 * time.Hour

func (l *loader) privacy(f *file) {
	cfg := l.cfg
	cfg.Targets.MinGroup = 5
	if n := f.Targets.MinGroupSize; n != nil {
		if *n < 1 {
			l.c.add("targets.min_group_size", "must be at least 1, not %d", *n)
		}
		cfg.Targets.MinGroup = *n
	}
	var ok bool
	if cfg.Retention, ok = l.duration("privacy.retention", f.Privacy.Retention, "0s"); ok && cfg.Retention != 0 && cfg.Retention < minRetention {
		l.c.add("privacy.retention", "must be 0 (keep) or at least %s, not %s: the weekly figures read the last weeks' logs", "28d", f.Privacy.Retention)
	}
}

func (l *loader) guardrails(d *defaultsFile) {
	cfg := l.cfg
	if n := d.PauseAfter; n != nil {
		if *n < 0 {
			l.c.add("defaults.pause_after_ignored", "must not be negative (0 means never), not %d", *n)
		}
		cfg.PauseAfterIgnored = *n
	}
	if w := d.MaxPerWeek; w != nil {
		if *w < 0 {
			l.c.add("defaults.max_nudges_per_week", "must not be negative (0 means no cap), not %d", *w)
		}
		cfg.MaxPerWeek = *w
	}
}
