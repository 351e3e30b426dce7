package config

// Managers, teams and learners from the config file, and the id bookkeeping
// the CSV roster shares.

import (
	"fmt"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// entry is what loading needs to know about a person or team id: where it
// was first defined.
type entry struct {
	at      site
	learner bool
	// cells are, for a roster entry, the cells every later row naming the
	// same manager or team must repeat; nil for entries from the file.
	cells []string
	team  *nudges.Team // for teams
}

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
	if mf.ID == "" {
		l.c.add(key+".id", "missing manager id (their chat user id)")
	} else if p := l.claim(mf.ID, l.here(key+".id"), false); p != nil {
		p.manager = m
	}
	if strings.TrimSpace(mf.Name) == "" {
		l.c.add(key+".name", "missing manager name")
	}
	if mf.Email != "" && !validEmail(mf.Email) {
		l.c.add(key+".email", "%q does not look like an email address", mf.Email)
	}

	cal := nudges.Calendar{Location: l.defLoc, Days: l.defDays, Start: l.defStart, End: l.defEnd}
	if mf.Timezone != "" {
		if loc, err := l.location(mf.Timezone); err != nil {
			l.c.add(key+".timezone", "%v", err)
		} else {
			cal.Location = loc
		}
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
	l.cfg.Managers = append(l.cfg.Managers, m)
}

func (l *loader) team(i int, tf *teamFile) {
	key := fmt.Sprintf("teams[%d]", i)
	t := &nudges.Team{ID: tf.ID, Name: tf.Name, Channel: tf.Channel, Manager: tf.Manager}
	if tf.ID == "" {
		l.c.add(key+".id", "missing team id")
	} else if prev, dup := l.teams[tf.ID]; dup {
		l.c.add(key+".id", "duplicate team id %q (also %s)", tf.ID, prev.at)
	} else {
		l.teams[tf.ID] = &entry{at: l.here(key + ".id"), team: t}
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
		if mf.ID == "" {
			l.c.add(mk+".id", "missing member id")
		} else {
			if p := l.claim(mf.ID, l.here(mk+".id"), true); p != nil {
				p.team = t
			}
		}
		if strings.TrimSpace(mf.Name) == "" {
			l.c.add(mk+".name", "missing member name")
		}
		if mf.Email != "" && !validEmail(mf.Email) {
			l.c.add(mk+".email", "%q does not look like an email address", mf.Email)
		}
		t.Members = append(t.Members, nudges.Member{ID: mf.ID, Name: mf.Name, Email: mf.Email})
	}
	l.cfg.Teams = append(l.cfg.Teams, t)
}

// claim records a manager's or learner's id and returns their person, or
// nil when the id is taken. A learner belongs to one team (their
// applications and coaching log have one manager), and a learner's id must
// not be a manager's.
func (l *loader) claim(id string, at site, learner bool) *person {
	prev, taken := l.people[id]
	if !taken {
		if len(l.pool) == 0 {
			l.pool = make([]person, 1024)
		}
		p := &l.pool[0]
		l.pool = l.pool[1:]
		p.note = int32(len(l.notes))
		l.notes = append(l.notes, entry{at: at, learner: learner})
		l.people[id] = p
		return p
	}
	was := l.notes[prev.note]
	switch {
	case !was.learner && !learner:
		l.report(at, "duplicate manager id %q (also %s)", id, was.at.from(at))
	case was.learner && learner:
		l.report(at, "duplicate member id %q (also %s)", id, was.at.from(at))
	case learner:
		l.report(at, "member id %q is also a manager's id (%s); ids must tell people apart", id, was.at.from(at))
	default:
		l.report(at, "manager id %q is also a member's id (%s); ids must tell people apart", id, was.at.from(at))
	}
	return nil
}

// teamsOfManagers gives each manager their teams, in file order, and
// reports teams in the file whose manager is nowhere (the first inFile
// teams are the file's; the roster's own rows define their managers).
func (l *loader) teamsOfManagers(inFile int) {
	for i, t := range l.cfg.Teams {
		p := l.people[t.Manager]
		if p == nil || p.manager == nil {
			if i < inFile && t.Manager != "" {
				l.c.add(fmt.Sprintf("teams[%d].manager", i), "no manager has id %q", t.Manager)
			}
			continue
		}
		p.teams = append(p.teams, t)
	}
}
