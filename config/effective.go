package config

import (
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Overrides is what a running bot knows beyond its file: when it first ran
// (programs launched "first-run±Nd" count from it), the programs admins
// paused or resumed, and managers' time zones learned from the chat
// platform. They live in the data file, so the bot and `plan` apply the same
// ones.
type Overrides struct {
	FirstRun nudges.Date               // zero: leaves relative launches unresolved
	Paused   map[string]bool           // program id → paused (true) or resumed (false)
	Zones    map[string]*time.Location // manager id → zone
}

// Effective returns the configuration as the bot runs it: c with o applied.
// c itself is not modified, and the result shares everything o leaves
// alone, so readers holding c (compose, a home screen) never see a write:
// the engine swaps the result in whole.
func (c *Config) Effective(o Overrides) *Config {
	out := *c
	out.Programs = make([]*nudges.Program, len(c.Programs))
	out.programByID = make(map[string]*nudges.Program, len(c.Programs))
	for i, p := range c.Programs {
		cp := *p
		if days, ok := c.LaunchAfterFirstRun[p.ID]; ok && !o.FirstRun.IsZero() {
			cp.Launch = o.FirstRun.AddDays(days)
		}
		if paused, ok := o.Paused[p.ID]; ok {
			cp.Paused = paused
		}
		out.Programs[i] = &cp
		out.programByID[cp.ID] = &cp
	}
	if len(o.Zones) > 0 {
		// Managers are looked up by index, so a changed one is replaced in
		// a copy of the slice at the same place.
		ms := make([]*nudges.Manager, len(c.managers))
		copy(ms, c.managers)
		for id, loc := range o.Zones {
			i, learner, ok := c.person(id)
			if !ok || learner || loc == nil || ms[i].Calendar.Location == loc {
				continue
			}
			m := *ms[i]
			m.Calendar.Location = loc
			ms[i] = &m
		}
		out.managers, out.Managers = ms, ms
	}
	return &out
}
