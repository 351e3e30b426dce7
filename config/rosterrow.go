package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// A roster row's manager and team: added the first time their id appears,
// checked against that row afterwards.

// manager adds the row's manager the first time the id appears and checks
// later rows repeat the same details. It returns the manager's id, as kept.
func (rr *rosterReader) manager(cells *[numColumns]string) string {
	l := rr.l
	id := cells[colManagerID]
	slot, prev, taken := l.cfg.people.find(id, l.cfg.personID)
	if taken && prev&learnerBit == 0 {
		i := int(prev >> 1)
		m := l.cfg.Managers[i]
		switch {
		case i >= rr.firstManager:
			set := &rr.cellSets[rr.cellSet[i-rr.firstManager]]
			was := [...]string{m.Name, m.Email, set[0], set[1], set[2], set[3]}
			rr.same("manager", id, was[:], l.managerSite[i], cells, managerColumns)
			rr.same("manager", id, []string{rr.teamsIDs[i]}, l.managerSite[i], cells, []int{colManagerTeamsID})
			return m.ID
		case rr.idOnly(cells):
			// A row may name a manager from the config file by id
			// alone, to give them a team from the roster.
			return m.ID
		}
	}
	if taken {
		l.clash(id, prev, rr.site(colManagerID), false)
		return rr.strs.add(id)
	}

	m := &rr.managers.take(1, rr.rows)[0]
	*m = nudges.Manager{
		ID:       rr.strs.add(id),
		Name:     rr.strs.add(cells[colManagerName]),
		Email:    rr.strs.add(cells[colManagerEmail]),
		Programs: l.allPrograms,
	}
	if m.Name == "" {
		rr.problem(colManagerName, "missing name for manager %q", id)
	}
	if m.Email != "" && !validEmail(m.Email) {
		rr.problem(colManagerEmail, "%q does not look like an email address", m.Email)
	}
	m.Calendar = nudges.Calendar{Location: l.defLoc, Days: l.defDays, Start: l.defStart, End: l.defEnd, Holidays: l.defHolidays}
	if tz := cells[colManagerTimezone]; tz != "" {
		if loc, err := l.location(tz); err != nil {
			rr.problem(colManagerTimezone, "%v", err)
		} else {
			m.Calendar.Location = loc
		}
	} else {
		l.cfg.ZoneFromChat = append(l.cfg.ZoneFromChat, m.ID)
	}
	if s := cells[colWorkingDays]; s != "" {
		if days, err := l.dayString(s); err != nil {
			rr.problem(colWorkingDays, "%v", err)
		} else {
			m.Calendar.Days = days
		}
	}
	if s := cells[colWorkingHours]; s != "" {
		if h, err := l.workingHours(s); err != nil {
			rr.problem(colWorkingHours, "%v", err)
		} else {
			m.Calendar.Start, m.Calendar.End = h[0], h[1]
		}
	}
	if s := cells[colPrograms]; s != "" {
		if ps, err := l.programString(s); err != nil {
			rr.problem(colPrograms, "%v", err)
		} else {
			m.Programs = ps
		}
	}
	i := l.addManager(m)
	if tid := cells[colManagerTeamsID]; tid != "" {
		rr.teamsID(i, m.ID, tid)
	}
	l.cfg.people.insert(slot, managerRef(i), l.cfg.personID)
	l.managerSite[i] = l.where(rr.site(colManagerID))
	rr.cellSet = append(rr.cellSet, rr.cellSetOf(cells))
	return m.ID
}

// teamsID keeps manager i's manager_teams_id: the Teams identity to open
// their chat by before they have written to the bot (see
// MSTeams.UserIDs), as teams_id does for a manager in the config file.
func (rr *rosterReader) teamsID(i int, manager, id string) {
	id = rr.strs.add(id) // not the whole row
	rr.teamsIDs[i] = id
	if !teamsUserID.MatchString(id) {
		rr.problem(colManagerTeamsID, "%q is neither an AAD object id (a GUID) nor a Teams user id (29:…)", id)
		return
	}
	l := rr.l
	if l.cfg.MSTeams.UserIDs == nil {
		l.cfg.MSTeams.UserIDs = map[string]string{}
	}
	l.cfg.MSTeams.UserIDs[manager] = id
}

// cellSetOf numbers the row's cellSetColumns.
func (rr *rosterReader) cellSetOf(cells *[numColumns]string) uint32 {
	var set [4]string
	for i, c := range cellSetColumns {
		set[i] = cells[c]
	}
	if n, ok := rr.cellSetIDs[set]; ok {
		return n
	}
	for i := range set {
		set[i] = strings.Clone(set[i]) // not the whole row
	}
	n := uint32(len(rr.cellSets))
	rr.cellSets = append(rr.cellSets, set)
	rr.cellSetIDs[set] = n
	return n
}

// team adds the row's team the first time the id appears and returns its
// index in Teams; -1 when the id belongs to a team from the config file.
func (rr *rosterReader) team(managerID string, cells *[numColumns]string) int {
	l := rr.l
	id := cells[colTeamID]
	slot, prev, found := l.teamIDs.find(id, l.teamID)
	if found {
		i := int(prev)
		if i >= rr.firstTeam {
			t := l.cfg.Teams[i]
			was := [...]string{t.Name, t.Channel, t.Manager}
			rr.same("team", id, was[:], l.teamSite[i], cells, teamColumns)
			return i
		}
		rr.problem(colTeamID, "duplicate team id %q (also %s)", id, l.siteOf(l.teamSite[i], colTeamID))
		return -1
	}
	t := &rr.teams.take(1, rr.rows)[0]
	*t = nudges.Team{
		ID:      rr.strs.add(id),
		Name:    rr.strs.add(cells[colTeamName]),
		Channel: rr.strs.add(cells[colTeamChannel]),
		Manager: managerID, // the manager's own copy
	}
	i := l.addTeam(t)
	l.teamIDs.insert(slot, uint32(i), l.teamID)
	l.teamSite[i] = l.where(rr.site(colTeamID))
	if t.Name == "" {
		rr.problem(colTeamName, "missing name for team %q", id)
	}
	if t.Channel == "" {
		rr.problem(colTeamChannel, "missing channel for team %q (the chat channel its summaries go to)", id)
	}
	return i
}

// same reports cells that differ from the row that introduced the manager
// or team (was holds that row's cells in cols, first written at where):
// which row is right is for the admin to say, not for us to guess.
func (rr *rosterReader) same(what, id string, was []string, where int32, cells *[numColumns]string, cols []int) {
	for i, c := range cols {
		if cells[c] != was[i] {
			rr.problem(c, "%s %q has %s %q here but %q on line %d; every row for the same %s must agree",
				what, id, columnNames[c], cells[c], was[i], rr.l.siteOf(where, c).line, what)
		}
	}
}

// idOnly reports whether the row names its manager by id alone.
func (rr *rosterReader) idOnly(cells *[numColumns]string) bool {
	for _, c := range managerColumns {
		if cells[c] != "" {
			return false
		}
	}
	return cells[colManagerTeamsID] == ""
}

// dayString reads a roster working_days cell such as "mon;tue;wed".
func (l *loader) dayString(s string) ([7]bool, error) {
	if c, ok := l.days[s]; ok {
		return c.v, c.err
	}
	var c cached[[7]bool]
	n := 0
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		d, err := nudges.ParseWeekday(part)
		if err != nil {
			c.err = err
			break
		}
		c.v[d] = true
		n++
	}
	if c.err == nil && n == 0 {
		c.err = fmt.Errorf("%q names no working day (write e.g. mon;tue;wed)", s)
	}
	l.days[s] = c
	return c.v, c.err
}

// programString reads a roster programs cell such as "lead-2025;pilot".
func (l *loader) programString(s string) ([]string, error) {
	if c, ok := l.progs[s]; ok {
		return c.v, c.err
	}
	var c cached[[]string]
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p := l.programByID[part]
		if p == nil {
			c.err = fmt.Errorf("no program has id %q", part)
			break
		}
		c.v = append(c.v, p.ID) // the program's own string, not the row's
	}
	if c.err == nil && len(c.v) == 0 {
		c.v = l.allPrograms
	}
	c.v = slices.Clip(c.v) // shared by every manager with this cell
	l.progs[s] = c
	return c.v, c.err
}
