package config

// Managers, teams and learners from the config file, and the id bookkeeping
// the CSV roster shares.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// site is where an id is written: a key in the config file or a cell of the
// roster.
type site struct {
	file string
	line int
	key  string // managers[0].id, or the CSV column
}

// String points a person at the site: "managers[0] on line 12" in the
// config file, "roster.csv line 40" in the roster.
func (s site) String() string {
	if strings.ContainsAny(s.key, ".[") {
		return fmt.Sprintf("%s on line %d", parent(s.key), s.line)
	}
	return fmt.Sprintf("%s line %d", s.file, s.line)
}

// from points at s for a problem reported at here: just "line 12" when
// both are in the same roster.
func (s site) from(here site) string {
	if s.file == here.file && !strings.ContainsAny(s.key, ".[") {
		return fmt.Sprintf("line %d", s.line)
	}
	return s.String()
}

// here is the site of key in the config file.
func (l *loader) here(key string) site {
	return site{file: l.c.file, line: l.c.index.line(key), key: key}
}

// report records a problem at a site.
func (l *loader) report(s site, format string, args ...any) {
	if s.file == l.c.file {
		l.c.list = append(l.c.list, Problem{File: s.file, Line: s.line, Key: s.key, Msg: fmt.Sprintf(format, args...)})
		return
	}
	l.c.at(s.file, s.line, s.key, format, args...)
}

func (l *loader) manager(i int, mf *managerFile) {
	key := fmt.Sprintf("managers[%d]", i)
	m := &nudges.Manager{ID: mf.ID, Name: mf.Name, Email: mf.Email, Admin: mf.Admin}
	mi := l.addManager(m)
	if mf.ID == "" {
		l.c.add(key+".id", "missing manager id (their chat user id)")
	} else {
		l.claim(mf.ID, managerRef(mi), l.here(key+".id"))
	}
	if strings.TrimSpace(mf.Name) == "" {
		l.c.add(key+".name", "missing manager name")
	}
	if mf.Email != "" && !validEmail(mf.Email) {
		l.c.add(key+".email", "%q does not look like an email address", mf.Email)
	}
	if mf.SlackID != "" {
		if !slackUserID.MatchString(mf.SlackID) {
			l.c.add(key+".slack_id", "%q is not a Slack user id (U… or W…, from the member's profile)", mf.SlackID)
		} else {
			if l.cfg.Slack.UserIDs == nil {
				l.cfg.Slack.UserIDs = map[string]string{}
			}
			l.cfg.Slack.UserIDs[mf.ID] = mf.SlackID
		}
	}
	if mf.TeamsID != "" {
		l.teamsID(key, mf.ID, mf.TeamsID)
	}

	cal := nudges.Calendar{Location: l.defLoc, Days: l.defDays, Start: l.defStart, End: l.defEnd}
	if mf.Timezone != "" {
		if loc, err := l.location(mf.Timezone); err != nil {
			l.c.add(key+".timezone", "%v", err)
		} else {
			cal.Location = loc
		}
	} else {
		l.cfg.ZoneFromChat = append(l.cfg.ZoneFromChat, mf.ID)
	}
	if mf.WorkingDays != nil {
		if days, ok := l.dayList(key+".working_days", mf.WorkingDays); ok {
			cal.Days = days
		}
	}
	if mf.WorkingHours != "" {
		if h, err := l.workingHours(mf.WorkingHours); err != nil {
			l.c.add(key+".working_hours", "%v", err)
		} else {
			cal.Start, cal.End = h[0], h[1]
		}
	}
	cal.Holidays = l.holidays(key+".holidays", mf.Holidays, l.defHolidays)
	for j, r := range mf.OutOfOffice {
		rk := fmt.Sprintf("%s.out_of_office[%d]", key, j)
		from, err1 := l.date(rk+".from", r.From)
		to, err2 := l.date(rk+".to", r.To)
		if err1 == nil && err2 == nil {
			if to.Before(from) {
				l.c.add(rk, "out of office from %s to %s ends before it starts", from, to)
			}
			cal.OutOfOffice = append(cal.OutOfOffice, nudges.DateRange{From: from, To: to})
		}
	}
	m.Calendar = cal

	m.Programs = l.allPrograms
	if len(mf.Programs) > 0 {
		m.Programs = mf.Programs
		for j, p := range mf.Programs {
			if l.program(p) == nil {
				l.c.add(fmt.Sprintf("%s.programs[%d]", key, j), "no program has id %q", p)
			}
		}
	}
}

func (l *loader) team(i int, tf *teamFile) {
	key := fmt.Sprintf("teams[%d]", i)
	t := &nudges.Team{ID: tf.ID, Name: tf.Name, Channel: tf.Channel, Manager: tf.Manager}
	ti := l.addTeam(t)
	if tf.ID == "" {
		l.c.add(key+".id", "missing team id")
	} else if slot, prev, dup := l.teamIDs.find(tf.ID, l.teamID); dup {
		l.c.add(key+".id", "duplicate team id %q (also %s)", tf.ID, l.siteOf(l.teamSite[prev], colTeamID))
	} else {
		l.teamIDs.insert(slot, uint32(ti), l.teamID)
		l.teamSite[ti] = l.where(l.here(key + ".id"))
	}
	if strings.TrimSpace(tf.Name) == "" {
		l.c.add(key+".name", "missing team name")
	}
	if strings.TrimSpace(tf.Channel) == "" {
		l.c.add(key+".channel", "missing channel (the chat channel the team's summaries go to)")
	}
	if tf.Manager == "" {
		// Whether the manager exists is checked once the roster is in: a
		// team in the file may belong to a manager listed in the CSV.
		l.c.add(key+".manager", "missing manager id")
	}
	for j, mf := range tf.Members {
		mk := fmt.Sprintf("%s.members[%d]", key, j)
		// Added before it is claimed: the index reads the id back from
		// the team.
		mi := len(t.Members)
		t.Members = append(t.Members, nudges.Member{ID: mf.ID, Name: mf.Name, Email: mf.Email, LMSID: mf.LMSID})
		if mf.ID == "" {
			l.c.add(mk+".id", "missing member id")
		} else {
			l.claimLearner(mf.ID, ti, mi, l.here(mk+".id"))
		}
		if strings.TrimSpace(mf.Name) == "" {
			l.c.add(mk+".name", "missing member name")
		}
		if mf.Email != "" && !validEmail(mf.Email) {
			l.c.add(mk+".email", "%q does not look like an email address", mf.Email)
		}
	}
}

// Where a person's or team's id was first written is kept while loading as
// one int32 per manager, team and learner (managerSite, teamSite,
// learnerSite): a line of the roster (> 0), or -(i+1) for fileSites[i], a
// key in the config file. Sites themselves are three words each; most ids
// are in the roster and need only the line.

// where encodes at for the *Site slices.
func (l *loader) where(at site) int32 {
	if at.file == l.rosterFile && at.file != l.c.file {
		return int32(at.line)
	}
	l.fileSites = append(l.fileSites, at)
	return -int32(len(l.fileSites))
}

// siteOf decodes where; col is the roster column the id is in.
func (l *loader) siteOf(where int32, col int) site {
	if where < 0 {
		return l.fileSites[-where-1]
	}
	return site{file: l.rosterFile, line: int(where), key: columnNames[col]}
}

// addManager appends m to the config's managers and returns its index.
func (l *loader) addManager(m *nudges.Manager) int {
	l.cfg.Managers = append(l.cfg.Managers, m)
	l.cfg.managers = l.cfg.Managers
	l.managerSite = append(l.managerSite, 0)
	return len(l.cfg.Managers) - 1
}

// addTeam appends t to the config's teams and returns its index.
func (l *loader) addTeam(t *nudges.Team) int {
	l.cfg.Teams = append(l.cfg.Teams, t)
	l.cfg.teams = l.cfg.Teams
	l.teamSite = append(l.teamSite, 0)
	return len(l.cfg.Teams) - 1
}

// teamID is the key function of teamIDs.
func (l *loader) teamID(i uint32) string { return l.cfg.Teams[i].ID }

// claim records id as the person ref stands for, first written at at, or
// reports the clash and returns false when the id is taken. A learner
// belongs to one team (their applications and coaching log have one
// manager), and a learner's id must not be a manager's. The person must
// already be in place: the index reads ids back through ref.
func (l *loader) claim(id string, ref uint32, at site) bool {
	slot, prev, taken := l.cfg.people.find(id, l.cfg.personID)
	if taken {
		l.clash(id, prev, at, ref&learnerBit != 0)
		return false
	}
	l.cfg.people.insert(slot, ref, l.cfg.personID)
	if i := ref >> 1; ref&learnerBit != 0 {
		l.learnerSite[i] = l.where(at)
	} else {
		l.managerSite[i] = l.where(at)
	}
	return true
}

// claimLearner claims id for the learner at Teams[team].Members[member];
// team is -1 when the row's team could not be built.
func (l *loader) claimLearner(id string, team, member int, at site) {
	li := len(l.cfg.learners)
	if team < 0 {
		member = len(l.cfg.strays)
		l.cfg.strays = append(l.cfg.strays, id)
	}
	l.cfg.learners = append(l.cfg.learners, learnerAt{team: int32(team), member: int32(member)})
	l.learnerSite = append(l.learnerSite, 0)
	if !l.claim(id, learnerRef(li), at) {
		l.cfg.learners = l.cfg.learners[:li]
		l.learnerSite = l.learnerSite[:li]
		if team < 0 {
			l.cfg.strays = l.cfg.strays[:member]
		}
	}
}

// clash reports id, claimed at at, as taken by the person prev.
func (l *loader) clash(id string, prev uint32, at site, learner bool) {
	was := l.personSite(prev)
	wasLearner := prev&learnerBit != 0
	switch {
	case !wasLearner && !learner:
		l.report(at, "duplicate manager id %q (also %s)", id, was.from(at))
	case wasLearner && learner:
		l.report(at, "duplicate member id %q (also %s)", id, was.from(at))
	case learner:
		l.report(at, "member id %q is also a manager's id (%s); ids must tell people apart", id, was.from(at))
	default:
		l.report(at, "manager id %q is also a member's id (%s); ids must tell people apart", id, was.from(at))
	}
}

// personSite is where the person ref stands for was first written.
func (l *loader) personSite(ref uint32) site {
	i := ref >> 1
	if ref&learnerBit != 0 {
		return l.siteOf(l.learnerSite[i], colMemberID)
	}
	return l.siteOf(l.managerSite[i], colManagerID)
}

// teamsOfManagers gives each manager their teams, in file order, and
// reports teams in the file whose manager is nowhere (the first inFile
// teams are the file's; the roster's own rows define their managers).
func (l *loader) teamsOfManagers(inFile int) {
	teams := l.cfg.Teams
	owner := make([]int32, len(teams)) // manager index, or -1
	start := make([]int32, len(l.cfg.Managers)+1)
	inOrder := true // every team has a manager, and managers come in order
	last := -1
	for i, t := range teams {
		owner[i] = -1
		m, learner, ok := l.cfg.person(t.Manager)
		if !ok || learner {
			if i < inFile && t.Manager != "" {
				l.c.add(fmt.Sprintf("teams[%d].manager", i), "no manager has id %q", t.Manager)
			}
			inOrder = false
			continue
		}
		owner[i] = int32(m)
		start[m+1]++
		inOrder = inOrder && m >= last
		last = m
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	if inOrder {
		// Sorting by manager would change nothing: share Teams.
		l.cfg.byManager = teams
		l.cfg.oneTeamEach = len(teams) == len(l.cfg.Managers)
		for i := 0; l.cfg.oneTeamEach && i < len(teams); i++ {
			l.cfg.oneTeamEach = start[i+1] == int32(i+1)
		}
		if !l.cfg.oneTeamEach {
			l.cfg.teamStart = start
		}
		return
	}
	l.cfg.teamStart = start
	byManager := make([]*nudges.Team, start[len(start)-1])
	next := slices.Clone(start)
	for i, t := range teams {
		if m := owner[i]; m >= 0 {
			byManager[next[m]] = t
			next[m]++
		}
	}
	l.cfg.byManager = byManager
}
