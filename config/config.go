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

// Config is a loaded, validated configuration. It is read-only once loaded:
// managers share default holiday maps and program lists, and the accessors
// hand out the config's own slices. What the running bot adds (resolved
// launches, pauses, zones) makes a new Config (Effective); a reload loads a
// new Config and swaps it in whole.
type Config struct {
	Path       string // the file it was read from, absolute
	DataDir    string // absolute; relative paths in the file are relative to the file
	RosterPath string // the CSV roster, absolute; empty when there is none

	Platform string // "shell", "slack" or "teams"

	Location   *time.Location // bot-wide default zone (digests, plan defaults)
	CatchUp    time.Duration  // how late a missed nudge may still go out
	MaxPerDay  int            // recurring nudges per manager per day; 0: no cap
	MaxPerWeek int            // recurring nudges per manager per week, across programs; 0: no cap
	// PauseAfterIgnored is how many nudges in a row a manager may leave to
	// expire before the bot stops nudging them and asks; 0: never.
	PauseAfterIgnored int
	Snooze            time.Duration // how long "snooze" postpones a nudge
	MaxDefer          time.Duration // how long an event nudge, reminder or snooze may wait for room under the daily cap
	ExpireAfter       time.Duration // an unanswered nudge closes as expired after this long; 0: never
	SweepInterval     time.Duration // how often the due table is swept
	RetryFor          time.Duration // how long a delivery that keeps failing is retried
	ShutdownGrace     time.Duration // how long sends in flight may finish on shutdown

	Targets nudges.Targets

	// Retention is how long coaching logs are kept; older ones are deleted
	// by a maintenance job. 0: kept for as long as the data file.
	Retention time.Duration

	Programs []*nudges.Program
	// LaunchAfterFirstRun holds, for programs whose launch is written
	// relative to the bot's first run ("first-run-8d"), the offset in days.
	// Effective fills in Program.Launch from it.
	LaunchAfterFirstRun map[string]int
	Scripts             map[string]*nudges.Script
	Cadences            []*nudges.Cadence
	Managers            []*nudges.Manager
	Teams               []*nudges.Team

	LogLevel  string // debug, info, warn, error
	LogFormat string // auto, json, console

	// ZoneFromChat lists managers whose roster entry gives no time zone:
	// they have the default until a chat platform that knows their zone
	// (Slack's profile) fills it in, before the engine starts.
	ZoneFromChat []string

	HTTPListen string // address of the HTTP server (health, metrics, Slack HTTP mode); empty: none
	Slack      Slack
	MSTeams    MSTeams
	LMS        LMS       // learning events: sources, verbs, modules
	Dashboard  Dashboard // the L&D dashboard: sign-in, listen address

	lookups
}

// lookups are the indexes behind the accessors, built by Load so a lookup
// per inbound message or per due nudge is one hash probe even with 100,000
// managers. They hold no loader bookkeeping (where an id was written, the
// cells later rows were checked against): that is dropped when Load ends.
type lookups struct {
	// people finds every manager's and learner's id. Both share one index
	// because ids must tell people apart. Refs are encoded as below.
	people idIndex
	// managers and teams are Managers and Teams as loaded: refs index
	// them, and a caller reslicing the exported fields cannot break that.
	managers []*nudges.Manager
	teams    []*nudges.Team
	learners []learnerAt // by learner index
	// strays are the ids of learners whose row named a team that could not
	// be built; there are some only when Load reports problems.
	strays []string
	// Manager i leads byManager[teamStart[i]:teamStart[i+1]], in file
	// order. When every manager's teams are consecutive in Teams, as a
	// roster sorted by manager has them, byManager is Teams itself; when
	// moreover every manager leads exactly one team (a roster of one row
	// per manager), teamStart would be 0, 1, 2…, and is left out.
	teamStart   []int32
	byManager   []*nudges.Team
	oneTeamEach bool

	programByID map[string]*nudges.Program
	cadenceByID map[string]*nudges.Cadence
}

// A person ref is a manager's index in Managers or a learner's in
// learners, shifted left, with the low bit telling which.
const learnerBit = 1

func managerRef(i int) uint32 { return uint32(i) << 1 }
func learnerRef(i int) uint32 { return uint32(i)<<1 | learnerBit }

// learnerAt is where a learner is: Teams[team].Members[member]. Indexes
// rather than pointers, because members move as a team's slice grows.
// team is -1 for a stray, and member then indexes strays.
type learnerAt struct{ team, member int32 }

// personID is the id of the person ref points at: the key function of
// people.
func (x *lookups) personID(ref uint32) string {
	i := ref >> 1
	if ref&learnerBit == 0 {
		return x.managers[i].ID
	}
	lr := x.learners[i]
	if lr.team < 0 {
		return x.strays[lr.member]
	}
	return x.teams[lr.team].Members[lr.member].ID
}

// person looks id up: the manager's or the learner's index, and which.
func (x *lookups) person(id string) (i int, learner, ok bool) {
	ref, ok := x.people.lookup(id, x.personID)
	return int(ref >> 1), ref&learnerBit != 0, ok
}

func (c *Config) index() {
	c.programByID = make(map[string]*nudges.Program, len(c.Programs))
	c.cadenceByID = make(map[string]*nudges.Cadence, len(c.Cadences))
	for _, p := range c.Programs {
		c.programByID[p.ID] = p
	}
	for _, cd := range c.Cadences {
		c.cadenceByID[cd.ID] = cd
	}
}

// Planner returns the planner for this configuration. It shares the
// config's programs: plan with the Effective configuration.
func (c *Config) Planner() *nudges.Planner {
	return &nudges.Planner{Programs: c.programByID, Cadences: c.Cadences, MaxPerDay: c.MaxPerDay, MaxPerWeek: c.MaxPerWeek}
}

// Manager returns the manager with id, or nil.
func (c *Config) Manager(id string) *nudges.Manager {
	if i, learner, ok := c.person(id); ok && !learner {
		return c.managers[i]
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
	i, learner, ok := c.person(managerID)
	if !ok || learner {
		return nil
	}
	from, to := int32(i), int32(i+1)
	if !c.oneTeamEach {
		if i+1 >= len(c.teamStart) {
			return nil
		}
		from, to = c.teamStart[i], c.teamStart[i+1]
	}
	if from == to {
		return nil
	}
	// Capped, so an append by the caller copies instead of writing over
	// the next manager's teams.
	return c.byManager[from:to:to]
}

// TeamOfMember returns the team a learner belongs to, or nil.
func (c *Config) TeamOfMember(memberID string) *nudges.Team {
	if i, learner, ok := c.person(memberID); ok && learner {
		if t := c.learners[i].team; t >= 0 {
			return c.teams[t]
		}
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
