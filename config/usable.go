package config

import (
	"fmt"

	"github.com/nudgebot/nudgebot/nudges"
)

// usable reports a configuration that loads but could never nudge anyone:
// no managers at all, or a scheduled cadence whose time of day falls at or
// after the end of working hours for every manager enrolled in its program
// (the planner drops such a time rather than nudging after hours). It runs
// only on an otherwise valid file, so it never adds knock-on problems, and
// it reports only the certain cases.
func (l *loader) usable(rosterCSV string) {
	cfg := l.cfg
	if len(cfg.Managers) == 0 {
		key := "managers"
		if rosterCSV != "" {
			key = "roster.csv"
		}
		l.c.add(key, "the roster has no managers: nobody would be nudged (add [[managers]] or rows to the roster CSV)")
		return
	}
	for i, c := range cfg.Cadences {
		if !c.Recurring() {
			continue
		}
		at := c.Recurrence.Times()[0]
		enrolled, latest := 0, nudges.Clock(0)
		for _, m := range cfg.Managers {
			if m.Enrolled(c.Program) {
				enrolled++
				latest = max(latest, m.Calendar.End)
			}
		}
		if enrolled > 0 && at >= latest {
			l.c.add(fmt.Sprintf("cadences[%d].schedule", i),
				"fires at %s, but every manager enrolled in %q stops work by %s: nobody would ever receive it (nudges never go out after working hours)",
				at, c.Program, latest)
		}
	}
}
