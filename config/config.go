// Package config loads nudgebot's TOML configuration: strict decoding,
// defaults, then validation that reports every problem at once with its key
// path and line, and the CSV roster. It turns the file into the nudges
// domain's types; nothing else reads TOML.
package config

import (
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Config is a loaded, validated configuration.
type Config struct {
	Path    string // the file it was read from
	DataDir string // absolute; relative paths in the file are relative to the file

	Platform string // "shell", "slack" or "teams"

	Location      *time.Location // bot-wide default zone (digests, plan defaults)
	CatchUp       time.Duration  // how late a missed nudge may still go out
	MaxPerDay     int            // recurring nudges per manager per day; 0: no cap
	Snooze        time.Duration  // how long "snooze" postpones a nudge
	SweepInterval time.Duration  // how often the due table is swept

	Targets nudges.Targets

	Programs []*nudges.Program
	// LaunchAfterFirstRun holds, for programs whose launch is written
	// relative to the bot's first run ("first-run-8d"), the offset in days.
	// ResolveLaunch fills in Program.Launch from it.
	LaunchAfterFirstRun map[string]int
	Scripts             map[string]*nudges.Script
	Cadences            []*nudges.Cadence
	Managers            []*nudges.Manager
	Teams               []*nudges.Team

	LogLevel  string // debug, info, warn, error
	LogFormat string // auto, json, console

	lookups
}

// lookups are the indexes behind the accessors, built once by Load so a
// lookup per inbound message or per due nudge is a map read even with
// 100,000 managers.
type lookups struct {
	managerByID    map[string]*nudges.Manager
	programByID    map[string]*nudges.Program
	cadenceByID    map[string]*nudges.Cadence
	teamsByManager map[string][]*nudges.Team
	teamByMember   map[string]*nudges.Team
}

func (c *Config) index() {
	c.lookups = lookups{
		managerByID:    make(map[string]*nudges.Manager, len(c.Managers)),
		programByID:    make(map[string]*nudges.Program, len(c.Programs)),
		cadenceByID:    make(map[string]*nudges.Cadence, len(c.Cadences)),
		teamsByManager: make(map[string][]*nudges.Team, len(c.Managers)),
		teamByMember:   make(map[string]*nudges.Team),
	}
	for _, m := range c.Managers {
		c.managerByID[m.ID] = m
	}
	for _, p := range c.Programs {
		c.programByID[p.ID] = p
	}
	for _, cd := range c.Cadences {
		c.cadenceByID[cd.ID] = cd
	}
	for _, t := range c.Teams {
		c.teamsByManager[t.Manager] = append(c.teamsByManager[t.Manager], t)
		for _, m := range t.Members {
			c.teamByMember[m.ID] = t
		}
	}
}

// ResolveLaunch fixes the launch date of every program written relative to
// the bot's first run ("first-run+14d"). The caller reads firstRun from the
// store, so the dates stay put across restarts.
func (c *Config) ResolveLaunch(firstRun nudges.Date) {
	for id, days := range c.LaunchAfterFirstRun {
		if p := c.programByID[id]; p != nil {
			p.Launch = firstRun.AddDays(days)
		}
	}
}

// Planner returns the planner for this configuration. It shares the
// config's programs, so call ResolveLaunch first.
func (c *Config) Planner() *nudges.Planner {
	return &nudges.Planner{Programs: c.programByID, Cadences: c.Cadences, MaxPerDay: c.MaxPerDay}
}

// Manager returns the manager with id, or nil.
func (c *Config) Manager(id string) *nudges.Manager { return c.managerByID[id] }

// Program returns the program with id, or nil.
func (c *Config) Program(id string) *nudges.Program { return c.programByID[id] }

// Cadence returns the cadence with id, or nil.
func (c *Config) Cadence(id string) *nudges.Cadence { return c.cadenceByID[id] }

// TeamsOf returns the teams a manager leads, in file order. The slice is
// shared: do not modify it.
func (c *Config) TeamsOf(managerID string) []*nudges.Team { return c.teamsByManager[managerID] }

// TeamOfMember returns the team a learner belongs to, or nil.
func (c *Config) TeamOfMember(memberID string) *nudges.Team { return c.teamByMember[memberID] }

// FindMember finds a learner on one of the manager's teams by id or, as a
// manager would type it, by name in any case. Only that manager's teams are
// searched, so nobody can log coaching for someone else's learner. A name
// that fits more than one learner finds nobody: guessing would file the log
// against the wrong person.
func (c *Config) FindMember(managerID, nameOrID string) (*nudges.Member, *nudges.Team) {
	s := strings.TrimSpace(nameOrID)
	teams := c.teamsByManager[managerID]
	for _, t := range teams {
		for i := range t.Members {
			if t.Members[i].ID == s {
				return &t.Members[i], t
			}
		}
	}
	var found *nudges.Member
	var team *nudges.Team
	for _, t := range teams {
		for i := range t.Members {
			if strings.EqualFold(t.Members[i].Name, s) {
				if found != nil {
					return nil, nil
				}
				found, team = &t.Members[i], t
			}
		}
	}
	return found, team
}
