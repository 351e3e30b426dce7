package config

import (
	"bytes"
	"errors"
	"fmt"
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
func Load(path string) (*Config, error) { return LoadWith(path, Options{}) }

// Options change what Load reads.
type Options struct {
	// NoSecrets leaves the chat platform's secrets unread and unchecked,
	// for commands that never talk to the platform (plan, status, export,
	// backup): they must work on a host that holds the data but not the
	// tokens.
	NoSecrets bool
}

// LoadWith is Load with options.
func LoadWith(path string, opt Options) (*Config, error) {
	doc, err := readLimited(path, maxConfigBytes)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read the config file: %v", err)}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot resolve the config file's path: %v", err)}}
	}
	index, syntaxErr := indexDocument(doc)
	l := newLoader(&collector{file: path, index: index}, filepath.Dir(abs))
	l.noSecrets = opt.NoSecrets
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
		msg = fmt.Sprintf("unknown key %q: secrets never go in the config file; supply them from the environment or a secrets file", name)
	default:
		msg = fmt.Sprintf("unknown key %q (check the spelling; config.example.toml lists every key)", name)
	}
	l.c.list = append(l.c.list, Problem{File: l.c.file, Line: line, Key: path, Msg: msg})
}

// loader carries one load's state: the problems so far, the config being
// built, and caches that keep a 100,000-row roster fast (zones, day lists
// and hour ranges repeat on almost every row).
type loader struct {
	c         *collector
	cfg       *Config
	dir       string // the config file's directory; relative paths start here
	noSecrets bool   // see Options.NoSecrets

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

	// Ids must tell people apart across the file and the roster; the
	// Config's people index checks duplicates and manager/learner clashes
	// with a single lookup per id. teamIDs does the same for team ids while
	// loading. What follows is only for messages, and dies with the loader.
	teamIDs     idIndex
	rosterFile  string  // the roster as shown in problems
	fileSites   []site  // sites in the config file, see where
	managerSite []int32 // by manager index: where its id was claimed
	teamSite    []int32 // by team index
	learnerSite []int32 // by learner index
}

// cached is a parse result, kept with its error so a bad value on 10,000
// rows is parsed once.
type cached[T any] struct {
	v   T
	err error
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
	// Managers enrolled in everything share this slice; clipped so an
	// append by one of them cannot write into the others'.
	l.allPrograms = slices.Clip(l.allPrograms)
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
	l.teamsOfManagers(len(f.Teams))
	l.slack(f)
	l.msteams(f)
	l.lms(f)
	l.dashboard(f)
	if len(l.c.list) == 0 {
		l.usable(f.Roster.CSV)
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

	var ok bool
	if cfg.SweepInterval, ok = l.duration("engine.sweep_interval", f.Engine.SweepInterval, "5s"); ok && cfg.SweepInterval < time.Second {
		l.c.add("engine.sweep_interval", "must be at least 1s, not %s", f.Engine.SweepInterval)
	}
	if cfg.RetryFor, ok = l.duration("engine.retry_for", f.Engine.RetryFor, "12h"); ok && cfg.RetryFor < time.Minute {
		l.c.add("engine.retry_for", "must be at least 1m, not %s", f.Engine.RetryFor)
	}
	if cfg.ShutdownGrace, ok = l.duration("engine.shutdown_grace", f.Engine.ShutdownGrace, "10s"); ok && cfg.ShutdownGrace <= 0 {
		l.c.add("engine.shutdown_grace", "must be positive, not %s", f.Engine.ShutdownGrace)
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
	l.privacy(f)

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

	var ok bool
	if cfg.CatchUp, ok = l.duration("defaults.catch_up", d.CatchUp, "4h"); ok && cfg.CatchUp < 0 {
		l.c.add("defaults.catch_up", "must not be negative (0 means never catch up)")
	}
	cfg.MaxPerDay = 3
	if d.MaxPerDay != nil {
		if *d.MaxPerDay < 0 {
			l.c.add("defaults.max_nudges_per_day", "must not be negative (0 means no cap), not %d", *d.MaxPerDay)
		}
		cfg.MaxPerDay = *d.MaxPerDay
	}
	l.guardrails(d)
	if cfg.Snooze, ok = l.duration("defaults.snooze", d.Snooze, "24h"); ok && cfg.Snooze <= 0 {
		l.c.add("defaults.snooze", "must be longer than 0")
	}
	if cfg.MaxDefer, ok = l.duration("defaults.max_defer", d.MaxDefer, "7d"); ok && cfg.MaxDefer < 0 {
		l.c.add("defaults.max_defer", "must not be negative (0 means never wait for a later day)")
	}
	if cfg.ExpireAfter, ok = l.duration("defaults.expire_after", d.ExpireAfter, "7d"); ok && cfg.ExpireAfter < 0 {
		l.c.add("defaults.expire_after", "must not be negative (0 means nudges stay open until answered)")
	}
}

// duration parses a duration at key, def when absent; ok is false when it
// reported a problem.
func (l *loader) duration(key, s, def string) (d time.Duration, ok bool) {
	if s == "" {
		s = def
	}
	d, err := parseDuration(s)
	if err != nil {
		l.c.add(key, "%v", err)
		return 0, false
	}
	return d, true
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
	} else {
		// Cloned: the Location keeps the name it was loaded by, and a
		// roster cell is a slice of its whole row.
		if c.v, c.err = time.LoadLocation(strings.Clone(name)); c.err != nil {
			c.err = fmt.Errorf("unknown time zone %q (want an IANA name such as \"Europe/London\")", name)
		}
	}
	l.locs[name] = c
	return c.v, c.err
}

func (l *loader) workingHours(s string) ([2]nudges.Clock, error) {
	if c, ok := l.hours[s]; ok {
		return c.v, c.err
	}
	start, end, err := nudges.ParseHours(s)
	if err != nil && !strings.Contains(err.Error(), strconv.Quote(s)) {
		err = fmt.Errorf("working hours %q: %v", s, err)
	}
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
