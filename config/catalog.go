package config

// Programs, scripts and cadences: what L&D runs, as opposed to who it runs for.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

func (l *loader) programs(ps []programFile) {
	if len(ps) == 0 {
		l.c.add("programs", "no programs: add at least one [[programs]] section")
	}
	seen := map[string]string{}
	for i := range ps {
		pf := &ps[i]
		key := fmt.Sprintf("programs[%d]", i)
		p := &nudges.Program{ID: pf.ID, Name: pf.Name, Weeks: pf.Weeks, Paused: pf.Paused}
		if pf.ID != "" && !programIDPattern.MatchString(pf.ID) {
			l.c.add(key+".id", "program id %q may use only a-z, 0-9, - and _", pf.ID)
		}
		l.uniqueID(seen, key, "program", pf.ID, "")
		if strings.TrimSpace(pf.Name) == "" {
			l.c.add(key+".name", "missing program name")
		}
		if pf.Launch == nil {
			l.c.add(key+".launch", "missing launch date (YYYY-MM-DD, or first-run, first-run-8d, first-run+14d)")
		} else if d, off, rel, err := parseLaunch(pf.Launch); err != nil {
			l.c.add(key+".launch", "%v", err)
		} else if rel {
			l.cfg.LaunchAfterFirstRun[pf.ID] = off
		} else {
			p.Launch = d
		}
		if pf.Weeks < 1 || pf.Weeks > 104 {
			if pf.Weeks == 0 {
				l.c.add(key+".weeks", "missing program length in weeks (1 to 104)")
			} else {
				l.c.add(key+".weeks", "must be from 1 to 104 weeks, not %d", pf.Weeks)
			}
		}
		l.assignments(key, p, pf.Assignments)
		l.cfg.Programs = append(l.cfg.Programs, p)
		if _, dup := l.programByID[p.ID]; !dup {
			l.programByID[p.ID] = p
			l.allPrograms = append(l.allPrograms, p.ID)
		}
	}
}

// uniqueID reports a missing or repeated id of the section entry at key (a
// "script", say); seen maps the ids met so far to their entry's key, and
// scope says where ids must be unique when that is not the whole file.
func (l *loader) uniqueID(seen map[string]string, key, what, id, scope string) {
	switch first, dup := seen[id]; {
	case id == "":
		l.c.add(key+".id", "missing %s id", what)
	case dup:
		l.c.add(key+".id", "duplicate %s id %q%s (also %s)", what, id, scope, first)
	default:
		seen[id] = key
	}
}

func (l *loader) assignments(prog string, p *nudges.Program, as []assignmentFile) {
	seen := map[string]string{}
	for i := range as {
		af := &as[i]
		key := fmt.Sprintf("%s.assignments[%d]", prog, i)
		a := nudges.Assignment{ID: af.ID, Title: af.Title, Instructions: af.Instructions, Week: af.Week, DueDays: 7}
		l.uniqueID(seen, key, "assignment", af.ID, " in this program")
		if strings.TrimSpace(af.Title) == "" {
			l.c.add(key+".title", "missing assignment title")
		}
		switch {
		case af.Week == 0:
			l.c.add(key+".week", "missing the program week the assignment is handed out (1 to the program's weeks)")
		case af.Week < 1 || p.Weeks >= 1 && af.Week > p.Weeks:
			l.c.add(key+".week", "week %d is outside the program's weeks 1-%d", af.Week, p.Weeks)
		}
		if af.DueDays != nil {
			if *af.DueDays < 1 {
				l.c.add(key+".due_days", "must be at least 1 day, not %d", *af.DueDays)
			}
			a.DueDays = *af.DueDays
		}
		p.Assignments = append(p.Assignments, a)
	}
}

func (l *loader) scripts(ss []scriptFile) {
	seen := map[string]string{}
	for i := range ss {
		sf := &ss[i]
		key := fmt.Sprintf("scripts[%d]", i)
		l.uniqueID(seen, key, "script", sf.ID, "")
		if strings.TrimSpace(sf.Title) == "" {
			l.c.add(key+".title", "missing script title")
		}
		if sf.Minutes != 5 && sf.Minutes != 15 && sf.Minutes != 30 {
			if sf.Minutes == 0 {
				l.c.add(key+".minutes", "missing length: a check-in script takes 5, 15 or 30 minutes")
			} else {
				l.c.add(key+".minutes", "a check-in script takes 5, 15 or 30 minutes, not %d", sf.Minutes)
			}
		}
		switch n := len(sf.Questions); {
		case n < 2 || n > 4:
			l.c.add(key+".questions", "a script has 2 to 4 questions, not %d", n)
		default:
			for j, q := range sf.Questions {
				if strings.TrimSpace(q) == "" {
					l.c.add(fmt.Sprintf("%s.questions[%d]", key, j), "empty question")
				}
			}
		}
		if _, dup := l.cfg.Scripts[sf.ID]; !dup {
			l.cfg.Scripts[sf.ID] = &nudges.Script{ID: sf.ID, Title: sf.Title, Minutes: sf.Minutes, Questions: sf.Questions}
		}
	}
}

func (l *loader) cadences(cs []cadenceFile) {
	seen := map[string]string{}
	for i := range cs {
		cf := &cs[i]
		key := fmt.Sprintf("cadences[%d]", i)
		c := &nudges.Cadence{ID: cf.ID, Kind: nudges.Kind(cf.Kind), Program: cf.Program, Script: cf.Script}
		l.uniqueID(seen, key, "cadence", cf.ID, "")
		switch {
		case cf.Kind == "":
			l.c.add(key+".kind", "missing kind (want %s)", kindList())
		case !c.Kind.Valid():
			l.c.add(key+".kind", "unknown kind %q (want %s)", cf.Kind, kindList())
		}
		prog := l.program(cf.Program)
		switch {
		case cf.Program == "":
			l.c.add(key+".program", "missing program id")
		case prog == nil:
			l.c.add(key+".program", "no program has id %q", cf.Program)
		}
		switch {
		case c.Kind == nudges.KindCheckIn && cf.Script == "":
			l.c.add(key+".script", "a checkin cadence needs a script")
		case c.Kind == nudges.KindCheckIn && l.cfg.Scripts[cf.Script] == nil:
			l.c.add(key+".script", "no script has id %q", cf.Script)
		case c.Kind != nudges.KindCheckIn && c.Kind.Valid() && cf.Script != "":
			l.c.add(key+".script", "only checkin cadences take a script, not %s", cf.Kind)
		}

		switch {
		case cf.Schedule != "" && cf.Event != "":
			l.c.add(key+".event", "a cadence has either a schedule or an event, not both")
		case cf.Schedule == "" && cf.Event == "":
			l.c.add(key, "missing schedule (a cron expression such as \"0 10 * * mon\") or event (completed or enrolled)")
		case cf.Schedule != "":
			r, err := nudges.ParseRecurrence(cf.Schedule)
			if err != nil {
				l.c.add(key+".schedule", "%v", err)
			}
			c.Recurrence = r
			if cf.Delay != "" {
				l.c.add(key+".delay", "delay applies only to event cadences; a scheduled one fires at its schedule")
			}
		default:
			if cf.Event != nudges.EventCompleted && cf.Event != nudges.EventEnrolled {
				l.c.add(key+".event", "unknown event %q (want %s or %s)", cf.Event, nudges.EventCompleted, nudges.EventEnrolled)
			}
			c.Event = cf.Event
			var ok bool
			if c.Delay, ok = l.duration(key+".delay", cf.Delay, "0s"); ok && c.Delay < 0 {
				l.c.add(key+".delay", "must not be negative")
			}
			if cf.Weeks != nil {
				l.c.add(key+".weeks", "an event cadence follows its event whatever the week; weeks apply only to scheduled cadences")
			}
			if cf.Phases != nil {
				l.c.add(key+".phases", "an event cadence follows its event whatever the phase; phases apply only to scheduled cadences")
			}
		}

		if cf.Weeks != nil && cf.Event == "" {
			l.weeks(key+".weeks", c, cf.Weeks, prog)
		}
		if cf.Event == "" {
			for j, ph := range cf.Phases {
				if !slices.Contains(nudges.Phases, nudges.Phase(ph)) {
					l.c.add(fmt.Sprintf("%s.phases[%d]", key, j), "unknown phase %q (want pre-launch, activation, consolidation or reinforcement)", ph)
				}
				c.Phases = append(c.Phases, nudges.Phase(ph))
			}
		}

		var ok bool
		if c.RemindAfter, ok = l.duration(key+".remind_after", cf.RemindAfter, "0s"); ok && c.RemindAfter < 0 {
			l.c.add(key+".remind_after", "must not be negative")
		}
		switch m := cf.MaxReminders; {
		case m == nil:
			// Asking for reminders after a while but not saying how many
			// means one.
			if c.RemindAfter > 0 {
				c.MaxReminders = 1
			}
		case *m < 0 || *m > 5:
			l.c.add(key+".max_reminders", "must be from 0 to 5, not %d", *m)
		case *m > 0 && c.RemindAfter <= 0:
			l.c.add(key+".max_reminders", "reminders need remind_after (how long to wait before each, e.g. \"2d\")")
		default:
			c.MaxReminders = *m
		}
		if cf.AbsentFor != "" {
			d, ok := l.duration(key+".absent_for", cf.AbsentFor, "0s")
			switch {
			case !ok:
			case c.Kind != nudges.KindCheckIn || cf.Schedule == "":
				l.c.add(key+".absent_for", "applies to scheduled checkin cadences only")
			case d < 24*time.Hour:
				l.c.add(key+".absent_for", "must be at least 1d, not %s", cf.AbsentFor)
			default:
				c.AbsentFor = d
			}
		}
		if h := cf.HoldoutPercent; h != nil {
			if *h < 0 || *h >= 100 {
				l.c.add(key+".holdout_percent", "must be from 0 to under 100, not %g", *h)
			}
			c.Holdout = *h
		}
		l.cfg.Cadences = append(l.cfg.Cadences, c)
	}
}

// weeks reads a cadence's week window. The upper bound allows a year of
// reinforcement after the program; anything later is a typo.
func (l *loader) weeks(key string, c *nudges.Cadence, v any, prog *nudges.Program) {
	from, to, err := parseWeeks(v)
	switch {
	case err != nil:
		l.c.add(key, "%v", err)
	case from < 1 || to < 1:
		l.c.add(key, "program weeks start at 1 (use phases = [\"pre-launch\"] for the weeks before launch)")
	case from > to:
		l.c.add(key, "weeks %d-%d end before they start", from, to)
	case prog != nil && prog.Weeks >= 1 && to > prog.Weeks+52:
		l.c.add(key, "week %d is more than a year after program %q ends (week %d)", to, prog.ID, prog.Weeks)
	default:
		c.FromWeek, c.ToWeek = from, to
	}
}

func kindList() string {
	names := make([]string, len(nudges.Kinds))
	for i, k := range nudges.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// program finds a program by id among those loaded so far.
func (l *loader) program(id string) *nudges.Program { return l.programByID[id] }
