package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // validate zones the same on a scratch image as on a laptop

	"github.com/pelletier/go-toml/v2"

	"github.com/nudgebot/nudgebot/nudges"
)

// Load reads, defaults and validates the configuration at path. Every
// problem it finds is returned together as Problems; the Config is returned
// only when there are none, so a caller (startup or reload) either gets a
// configuration it can run or keeps the one it has.
func Load(path string) (*Config, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read the config file: %v", err)}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot resolve the config file's path: %v", err)}}
	}
	index, syntaxErr := indexDocument(doc)
	l := newLoader(&collector{file: path, index: index}, filepath.Dir(abs))
	l.cfg.Path = abs

	var f file
	if err := toml.NewDecoder(bytes.NewReader(doc)).DisallowUnknownFields().Decode(&f); err != nil {
		if !l.decodeError(err, syntaxErr != nil) {
			// The decoder stopped part-way; validating what it filled in
			// would only report knock-on problems.
			return nil, l.c.result()
		}
	}
	l.load(&f)
	if err := l.c.result(); err != nil {
		return nil, err
	}
	l.cfg.index()
	return l.cfg, nil
}

// decodeError records the decoder's error and reports whether decoding
// nevertheless completed (unknown keys are found after a full decode).
func (l *loader) decodeError(err error, syntax bool) bool {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		for _, e := range strict.Errors {
			l.unknownKey(&e)
		}
		return true
	}
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		l.c.add("", "%v", err)
		return false
	}
	line, col := de.Position()
	key, ok := l.c.index.at(line, col)
	if !ok {
		key = strings.Join(de.Key(), ".")
	}
	msg := decodeMessage(de.Error())
	if syntax {
		msg = fmt.Sprintf("TOML syntax error at column %d: %s", col, msg)
	}
	l.c.list = append(l.c.list, Problem{File: l.c.file, Line: line, Key: key, Msg: msg})
	return false
}

func (l *loader) unknownKey(e *toml.DecodeError) {
	line, col := e.Position()
	path, ok := l.c.index.at(line, col)
	if !ok {
		path = strings.Join(e.Key(), ".")
	}
	name := ""
	if k := e.Key(); len(k) > 0 {
		name = k[len(k)-1]
	}
	var msg string
	switch lower := strings.ToLower(name); {
	case strings.Contains(e.Error(), "missing table"):
		msg = fmt.Sprintf("unknown section [%s] (check the spelling; config.example.toml lists every key)", strings.Join(e.Key(), "."))
	case strings.Contains(lower, "token") || strings.Contains(lower, "secret") || strings.Contains(lower, "password") || strings.HasSuffix(lower, "key"):
		// Secrets live in the environment, never in a file that gets
		// copied, committed and pasted into tickets.
		msg = fmt.Sprintf("unknown key %q: secrets are never read from the config file; pass them in the environment", name)
	default:
		msg = fmt.Sprintf("unknown key %q (check the spelling; config.example.toml lists every key)", name)
	}
	l.c.list = append(l.c.list, Problem{File: l.c.file, Line: line, Key: path, Msg: msg})
}

// loader carries one load's state: the problems so far, the config being
// built, and caches that keep a 100,000-row roster fast (zones, day lists
// and hour ranges repeat on almost every row).
type loader struct {
	c   *collector
	cfg *Config
	dir string // the config file's directory; relative paths start here

	locs  map[string]cached[*time.Location]
	days  map[string]cached[[7]bool]
	hours map[string]cached[[2]nudges.Clock]
	progs map[string]cached[[]string]

	// The [defaults] calendar every manager starts from.
	defLoc      *time.Location
	defDays     [7]bool
	defStart    nudges.Clock
	defEnd      nudges.Clock
	defHolidays map[nudges.Date]bool

	programByID map[string]*nudges.Program
	allPrograms []string // shared by every manager enrolled in everything

	teamManagers [][2]string // key path, manager id: checked after the roster

	// people holds every manager and learner id: ids must tell people
	// apart across the file and the roster, and one map checks both
	// duplicates and manager/learner clashes in a single lookup per row.
	people map[string]*entry
	teams  map[string]*entry
}

// cached is a parse result, kept with its error so a bad value on 10,000
// rows is parsed once.
type cached[T any] struct {
	v   T
	err error
}

// entry is a person or team id and where it was first defined.
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

func newLoader(c *collector, dir string) *loader {
	return &loader{
		c:     c,
		cfg:   &Config{LaunchAfterFirstRun: map[string]int{}, Scripts: map[string]*nudges.Script{}},
		dir:   dir,
		locs:  map[string]cached[*time.Location]{},
		days:  map[string]cached[[7]bool]{},
		hours: map[string]cached[[2]nudges.Clock]{},
		progs: map[string]cached[[]string]{},

		programByID: map[string]*nudges.Program{},
		people:      map[string]*entry{},
		teams:       map[string]*entry{},
	}
}

// load validates the decoded file section by section. Order matters only
// where a section refers to another: programs and scripts come before the
// cadences, managers and roster that name them, and defaults before the
// managers that inherit them.
func (l *loader) load(f *file) {
	l.general(f)
	l.defaults(&f.Defaults)
	l.programs(f.Programs)
	l.scripts(f.Scripts)
	l.cadences(f.Cadences)
	for i := range f.Managers {
		l.manager(i, &f.Managers[i])
	}
	for i := range f.Teams {
		l.team(i, &f.Teams[i])
	}
	if f.Roster.CSV != "" {
		l.roster(f.Roster.CSV)
	}
	for _, ref := range l.teamManagers {
		if e := l.people[ref[1]]; e == nil || e.learner {
			l.c.add(ref[0], "no manager has id %q", ref[1])
		}
	}
}

func (l *loader) general(f *file) {
	cfg := l.cfg
	dataDir := "data"
	if f.DataDir != nil {
		dataDir = *f.DataDir
		if strings.TrimSpace(dataDir) == "" {
			l.c.add("data_dir", "must not be empty (leave it out for the default %q)", "data")
		}
	}
	cfg.DataDir = l.resolvePath(dataDir)

	cfg.Platform = or(f.Chat.Platform, "shell")
	if !slices.Contains([]string{"shell", "slack", "teams"}, cfg.Platform) {
		l.c.add("chat.platform", "unknown platform %q (want shell, slack or teams)", cfg.Platform)
	}

	cfg.SweepInterval = l.duration("engine.sweep_interval", f.Engine.SweepInterval, "5s")
	if cfg.SweepInterval < time.Second && f.Engine.SweepInterval != "" {
		l.c.add("engine.sweep_interval", "must be at least 1s, not %s", f.Engine.SweepInterval)
	}

	cfg.Targets.FirstApplicationShare = 0.70
	if p := f.Targets.FirstApplicationPercent; p != nil {
		if *p < 1 || *p > 100 {
			l.c.add("targets.first_application_percent", "must be a percentage from 1 to 100, not %d", *p)
		}
		cfg.Targets.FirstApplicationShare = float64(*p) / 100
	}
	cfg.Targets.CoachingMinutes = 30
	if m := f.Targets.CoachingMinutesPerWeek; m != nil {
		if *m < 1 {
			l.c.add("targets.coaching_minutes_per_week", "must be at least 1, not %d", *m)
		}
		cfg.Targets.CoachingMinutes = *m
	}

	cfg.LogLevel = or(f.Log.Level, "info")
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, cfg.LogLevel) {
		l.c.add("log.level", "unknown log level %q (want debug, info, warn or error)", cfg.LogLevel)
	}
	cfg.LogFormat = or(f.Log.Format, "auto")
	if !slices.Contains([]string{"auto", "json", "console"}, cfg.LogFormat) {
		l.c.add("log.format", "unknown log format %q (want auto, json or console)", cfg.LogFormat)
	}
}

func (l *loader) defaults(d *defaultsFile) {
	cfg := l.cfg
	l.defLoc = time.UTC
	if d.Timezone != "" {
		if loc, err := l.location(d.Timezone); err != nil {
			l.c.add("defaults.timezone", "%v", err)
		} else {
			l.defLoc = loc
		}
	}
	cfg.Location = l.defLoc

	l.defDays = [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	if d.WorkingDays != nil {
		if days, ok := l.dayList("defaults.working_days", d.WorkingDays); ok {
			l.defDays = days
		}
	}
	l.defStart, l.defEnd = 9*60, 17*60
	if d.WorkingHours != "" {
		if h, err := l.workingHours(d.WorkingHours); err != nil {
			l.c.add("defaults.working_hours", "%v", err)
		} else {
			l.defStart, l.defEnd = h[0], h[1]
		}
	}
	l.defHolidays = l.holidays("defaults.holidays", d.Holidays, nil)

	cfg.CatchUp = l.duration("defaults.catch_up", d.CatchUp, "4h")
	if cfg.CatchUp < 0 {
		l.c.add("defaults.catch_up", "must not be negative (0 means never catch up)")
	}
	cfg.MaxPerDay = 3
	if d.MaxPerDay != nil {
		if *d.MaxPerDay < 0 {
			l.c.add("defaults.max_nudges_per_day", "must not be negative (0 means no cap), not %d", *d.MaxPerDay)
		}
		cfg.MaxPerDay = *d.MaxPerDay
	}
	cfg.Snooze = l.duration("defaults.snooze", d.Snooze, "24h")
	if cfg.Snooze <= 0 && d.Snooze != "" {
		l.c.add("defaults.snooze", "must be longer than 0")
	}
}

func (l *loader) programs(ps []programFile) {
	if len(ps) == 0 {
		l.c.add("programs", "no programs: add at least one [[programs]] section")
	}
	seen := map[string]int{}
	for i := range ps {
		pf := &ps[i]
		key := fmt.Sprintf("programs[%d]", i)
		p := &nudges.Program{ID: pf.ID, Name: pf.Name, Weeks: pf.Weeks, Paused: pf.Paused}
		switch {
		case pf.ID == "":
			l.c.add(key+".id", "missing program id")
		case !programIDPattern.MatchString(pf.ID):
			l.c.add(key+".id", "program id %q may use only a-z, 0-9, - and _", pf.ID)
		}
		if j, dup := seen[pf.ID]; dup && pf.ID != "" {
			l.c.add(key+".id", "duplicate program id %q (also programs[%d])", pf.ID, j)
		} else {
			seen[pf.ID] = i
		}
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

func (l *loader) assignments(prog string, p *nudges.Program, as []assignmentFile) {
	seen := map[string]int{}
	for i := range as {
		af := &as[i]
		key := fmt.Sprintf("%s.assignments[%d]", prog, i)
		a := nudges.Assignment{ID: af.ID, Title: af.Title, Instructions: af.Instructions, Week: af.Week, DueDays: 7}
		if af.ID == "" {
			l.c.add(key+".id", "missing assignment id")
		} else if j, dup := seen[af.ID]; dup {
			l.c.add(key+".id", "duplicate assignment id %q in this program (also %s.assignments[%d])", af.ID, prog, j)
		} else {
			seen[af.ID] = i
		}
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
	seen := map[string]int{}
	for i := range ss {
		sf := &ss[i]
		key := fmt.Sprintf("scripts[%d]", i)
		if sf.ID == "" {
			l.c.add(key+".id", "missing script id")
		} else if j, dup := seen[sf.ID]; dup {
			l.c.add(key+".id", "duplicate script id %q (also scripts[%d])", sf.ID, j)
		} else {
			seen[sf.ID] = i
		}
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
	seen := map[string]int{}
	for i := range cs {
		cf := &cs[i]
		key := fmt.Sprintf("cadences[%d]", i)
		c := &nudges.Cadence{ID: cf.ID, Kind: nudges.Kind(cf.Kind), Program: cf.Program, Script: cf.Script}
		if cf.ID == "" {
			l.c.add(key+".id", "missing cadence id")
		} else if j, dup := seen[cf.ID]; dup {
			l.c.add(key+".id", "duplicate cadence id %q (also cadences[%d])", cf.ID, j)
		} else {
			seen[cf.ID] = i
		}
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
			c.Delay = l.duration(key+".delay", cf.Delay, "0s")
			if c.Delay < 0 {
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

		c.RemindAfter = l.duration(key+".remind_after", cf.RemindAfter, "0s")
		if c.RemindAfter < 0 {
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

func (l *loader) manager(i int, mf *managerFile) {
	key := fmt.Sprintf("managers[%d]", i)
	m := &nudges.Manager{ID: mf.ID, Name: mf.Name, Email: mf.Email, Admin: mf.Admin}
	if mf.ID == "" {
		l.c.add(key+".id", "missing manager id (their chat user id)")
	} else {
		l.claim(mf.ID, &entry{at: l.here(key + ".id")})
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
		l.c.add(key+".manager", "missing manager id")
	} else {
		// Checked once the roster is in: a team in the file may belong to
		// a manager listed in the CSV.
		l.teamManagers = append(l.teamManagers, [2]string{key + ".manager", tf.Manager})
	}
	for j, mf := range tf.Members {
		mk := fmt.Sprintf("%s.members[%d]", key, j)
		if mf.ID == "" {
			l.c.add(mk+".id", "missing member id")
		} else {
			l.claim(mf.ID, &entry{at: l.here(mk + ".id"), learner: true})
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

// claim records a manager's or learner's id, reporting one already taken.
// A learner belongs to one team (their applications and coaching log have
// one manager), and a learner's id must not be a manager's.
func (l *loader) claim(id string, e *entry) bool {
	prev, taken := l.people[id]
	if !taken {
		l.people[id] = e
		return true
	}
	switch {
	case !prev.learner && !e.learner:
		l.report(e.at, "duplicate manager id %q (also %s)", id, prev.at)
	case prev.learner && e.learner:
		l.report(e.at, "duplicate member id %q (also %s)", id, prev.at)
	case e.learner:
		l.report(e.at, "member id %q is also a manager's id (%s); ids must tell people apart", id, prev.at)
	default:
		l.report(e.at, "manager id %q is also a member's id (%s); ids must tell people apart", id, prev.at)
	}
	return false
}

// duration parses a duration at key, def when absent.
func (l *loader) duration(key, s, def string) time.Duration {
	if s == "" {
		s = def
	}
	d, err := parseDuration(s)
	if err != nil {
		l.c.add(key, "%v", err)
	}
	return d
}

func (l *loader) date(key string, v any) (nudges.Date, error) {
	if v == nil {
		err := errors.New("missing date (YYYY-MM-DD)")
		l.c.add(key, "%v", err)
		return nudges.Date{}, err
	}
	d, err := dateValue(v)
	if err != nil {
		l.c.add(key, "%v", err)
	}
	return d, err
}

// holidays builds the holiday set: base plus the dates listed. Managers
// with no holidays of their own share base, which is never written after
// load.
func (l *loader) holidays(key string, list []any, base map[nudges.Date]bool) map[nudges.Date]bool {
	if len(list) == 0 && base != nil {
		return base
	}
	out := make(map[nudges.Date]bool, len(base)+len(list))
	for d := range base {
		out[d] = true
	}
	for j, v := range list {
		if d, err := l.date(key+"["+strconv.Itoa(j)+"]", v); err == nil {
			out[d] = true
		}
	}
	return out
}

// dayList reads working_days from the file.
func (l *loader) dayList(key string, names []string) ([7]bool, bool) {
	var days [7]bool
	ok := true
	for j, n := range names {
		d, err := nudges.ParseWeekday(n)
		if err != nil {
			l.c.add(fmt.Sprintf("%s[%d]", key, j), "%v", err)
			ok = false
			continue
		}
		days[d] = true
	}
	if len(names) == 0 {
		l.c.add(key, "no working days: list at least one day, e.g. [\"mon\", \"tue\"]")
		ok = false
	}
	return days, ok
}

// location loads an IANA zone once per name.
func (l *loader) location(name string) (*time.Location, error) {
	if c, ok := l.locs[name]; ok {
		return c.v, c.err
	}
	var c cached[*time.Location]
	if strings.EqualFold(name, "local") {
		// "Local" is whatever zone the server happens to run in.
		c.err = fmt.Errorf("time zone %q depends on the server; name the zone, e.g. \"Europe/London\"", name)
	} else if c.v, c.err = time.LoadLocation(name); c.err != nil {
		c.err = fmt.Errorf("unknown time zone %q (want an IANA name such as \"Europe/London\")", name)
	}
	l.locs[name] = c
	return c.v, c.err
}

func (l *loader) workingHours(s string) ([2]nudges.Clock, error) {
	if c, ok := l.hours[s]; ok {
		return c.v, c.err
	}
	start, end, err := nudges.ParseHours(s)
	l.hours[s] = cached[[2]nudges.Clock]{v: [2]nudges.Clock{start, end}, err: err}
	return [2]nudges.Clock{start, end}, err
}

// resolvePath makes a path from the file relative to the file's directory,
// so the bot behaves the same whatever directory it was started from.
func (l *loader) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.dir, p)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
