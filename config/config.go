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

// Config is a loaded, validated configuration. Apart from ResolveLaunch it
// is read-only once loaded: managers share default holiday maps and program
// lists, and the accessors hand out the config's own slices. A reload loads
// a new Config and swaps it in whole.
type Config struct {
	Path       string // the file it was read from, absolute
	DataDir    string // absolute; relative paths in the file are relative to the file
	RosterPath string // the CSV roster, absolute; empty when there is none

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

// lookups are the indexes behind the accessors, built by Load so a lookup
// per inbound message or per due nudge is one map read even with 100,000
// managers.
type lookups struct {
	people      map[string]*person
	programByID map[string]*nudges.Program
	cadenceByID map[string]*nudges.Cadence
}

// person is a manager or a learner. Both share one index because ids must
// tell people apart.
type person struct {
	manager *nudges.Manager // nil for a learner
	teams   []*nudges.Team  // a manager's teams, in file order
	team    *nudges.Team    // a learner's team
	note    int32           // the loader's record of where the id was defined
}

func (c *Config) index(people map[string]*person) {
	c.lookups = lookups{
		people:      people,
		programByID: make(map[string]*nudges.Program, len(c.Programs)),
		cadenceByID: make(map[string]*nudges.Cadence, len(c.Cadences)),
	}
	for _, p := range c.Programs {
		c.programByID[p.ID] = p
	}
	for _, cd := range c.Cadences {
		c.cadenceByID[cd.ID] = cd
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
func (c *Config) Manager(id string) *nudges.Manager {
	if p := c.people[id]; p != nil {
		return p.manager
	}
	return nil
}

// Program returns the program with id, or nil.
func (c *Config) Program(id string) *nudges.Program { return c.programByID[id] }

// Cadence returns the cadence with id, or nil.
func (c *Config) Cadence(id string) *nudges.Cadence { return c.cadenceByID[id] }

// TeamsOf returns the teams a manager leads, in file order. The slice is
// shared: do not modify it.
func (c *Config) TeamsOf(managerID string) []*nudges.Team {
	if p := c.people[managerID]; p != nil {
		return p.teams
	}
	return nil
}

// TeamOfMember returns the team a learner belongs to, or nil.
func (c *Config) TeamOfMember(memberID string) *nudges.Team {
	if p := c.people[memberID]; p != nil {
		return p.team
	}
	return nil
}

// FindMember finds a learner on one of the manager's teams by id or, as a
// manager would type it, by name in any case. Only that manager's teams are
// searched, so nobody can log coaching for someone else's learner. A name
// that fits more than one learner finds nobody: guessing would file the log
// against the wrong person.
func (c *Config) FindMember(managerID, nameOrID string) (*nudges.Member, *nudges.Team) {
	s := strings.TrimSpace(nameOrID)
	teams := c.TeamsOf(managerID)
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
