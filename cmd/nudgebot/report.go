package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/store"
)

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer, o options) error {
	fs, path := newFlags("report", "report -config FILE [-program ID] [-from YYYY-MM-DD] [-to YYYY-MM-DD] [-format json|csv] [-experiments]", stderr)
	program := fs.String("program", "", "program `id` (default: the only one)")
	fromS := fs.String("from", "", "first `day` (default: the program's launch)")
	toS := fs.String("to", "", "last `day` (default: today)")
	format := fs.String("format", "json", "`json` or csv")
	exps := fs.Bool("experiments", false, "only the hold-out experiments")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "csv" {
		return &exitError{2, fmt.Errorf("-format: want json or csv, got %q", *format)}
	}
	var from, to nudges.Date
	for _, d := range []struct {
		s   string
		out *nudges.Date
		f   string
	}{{*fromS, &from, "-from"}, {*toS, &to, "-to"}} {
		if d.s == "" {
			continue
		}
		v, err := nudges.ParseDate(d.s)
		if err != nil {
			return &exitError{2, fmt.Errorf("%s: %v", d.f, err)}
		}
		*d.out = v
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	if *program == "" {
		if len(cfg.Programs) != 1 {
			return &exitError{2, fmt.Errorf("-program: the configuration has %d programs; name one", len(cfg.Programs))}
		}
		*program = cfg.Programs[0].ID
	}
	if cfg.Program(*program) == nil {
		return &exitError{2, fmt.Errorf("-program: no program has id %q", *program)}
	}
	today := nudges.DateOf(o.now().In(cfg.Location))
	if to.IsZero() {
		to = today
	}
	var r insight.Report
	err = withReadableStore(ctx, cfg, func(st *store.Store) error {
		var zone bot.ZoneCache
		if cfg.Platform == "slack" {
			zone = slack.CachedZone(cfg.Slack.UserIDs)
		}
		eff, _, err := bot.PlanConfig(cfg, st, today, zone)
		if err != nil {
			return err
		}
		if from.IsZero() {
			from = eff.Program(*program).Launch
		}
		if to.Before(from) {
			return &exitError{2, fmt.Errorf("-to %s is before -from %s", to, from)}
		}
		r, err = bot.InsightReport(st, eff, *program, from, to)
		return err
	})
	if err != nil {
		return err
	}
	// A report file is passed around: it gets what L&D may see, small
	// teams' figures withheld.
	v := r.For(insight.LnD())
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if *exps {
			return enc.Encode(v.Experiments)
		}
		return enc.Encode(v.Report)
	}
	return writeReportCSV(stdout, v, *exps)
}

// withReadableStore runs fn on the data file: a running bot holds its lock,
// so its contents come as a backup over the control socket; otherwise the
// file is opened read-only. There must be a data file.
func withReadableStore(ctx context.Context, cfg *config.Config, fn func(*store.Store) error) error {
	rc, err := askBot(ctx, socketPath(cfg), "/backup")
	switch {
	case err == nil:
		defer rc.Close()
		f, err := os.CreateTemp(cfg.DataDir, ".report-*.db")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		_, err = io.Copy(f, rc)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("copy the running bot's data: %w", err)
		}
		return openRead(f.Name(), fn)
	case !errors.Is(err, errNoBot):
		return err
	}
	if _, err := os.Stat(dataFile(cfg)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no data file at %s: the bot has not run yet", dataFile(cfg))
	}
	return openRead(dataFile(cfg), fn)
}

func openRead(path string, fn func(*store.Store) error) error {
	st, err := store.Open(path, store.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// writeReportCSV writes the report in long form — one figure a row — which
// BI tools pivot as they like and which needs no new columns when a figure
// is added.
func writeReportCSV(out io.Writer, v insight.View, onlyExperiments bool) error {
	w := csv.NewWriter(out)
	w.Write([]string{"program", "from", "to", "section", "id", "figure", "value"})
	row := func(section, id, figure string, value any) {
		var s string
		switch x := value.(type) {
		case float64:
			s = strconv.FormatFloat(x, 'f', 4, 64)
		default:
			s = fmt.Sprint(x)
		}
		w.Write([]string{v.Program, v.From.String(), v.To.String(), section, id, figure, s})
	}
	for _, c := range v.Experiments {
		for _, arm := range []struct {
			name string
			a    insight.Arm
		}{{"treated", c.Treated}, {"held_out", c.HeldOut}} {
			row("experiment", c.Cadence, arm.name+"_managers", arm.a.Managers)
			row("experiment", c.Cadence, arm.name+"_learners", arm.a.Learners)
			row("experiment", c.Cadence, arm.name+"_application_share", arm.a.Share)
			row("experiment", c.Cadence, arm.name+"_minutes_per_week", arm.a.Minutes)
		}
		row("experiment", c.Cadence, "application_difference", c.Application.Value)
		row("experiment", c.Cadence, "application_difference_low", c.Application.Low)
		row("experiment", c.Cadence, "application_difference_high", c.Application.High)
		row("experiment", c.Cadence, "application_verdict", c.Verdict(c.Application))
		row("experiment", c.Cadence, "minutes_difference", c.Minutes.Value)
		row("experiment", c.Cadence, "minutes_difference_low", c.Minutes.Low)
		row("experiment", c.Cadence, "minutes_difference_high", c.Minutes.High)
		row("experiment", c.Cadence, "minutes_verdict", c.Verdict(c.Minutes))
	}
	if !onlyExperiments {
		writeFiguresCSV(row, v)
	}
	w.Flush()
	return w.Error()
}

func writeFiguresCSV(row func(section, id, figure string, value any), v insight.View) {
	rc := v.Reach
	for _, f := range []struct {
		n string
		v any
	}{{"managers", rc.Managers}, {"nudged", rc.Nudged}, {"answered", rc.Answered}, {"coached", rc.Coached},
		{"delivered", rc.Delivered}, {"replied", rc.Replied}, {"answer_rate", rc.AnswerRate}} {
		row("reach", "", f.n, f.v)
	}
	for _, w := range v.Weeks {
		id := strconv.Itoa(w.Week)
		row("week", id, "nudged", w.Nudged)
		row("week", id, "answered", w.Answered)
		row("week", id, "coached", w.Coached)
		row("week", id, "minutes", w.Minutes)
	}
	for _, e := range v.Cadences {
		id := e.Cadence
		if e.Script != "" {
			id += "/" + e.Script
		}
		row("cadence", id, "delivered", e.Delivered)
		row("cadence", id, "answer_rate", e.AnswerRate)
		row("cadence", id, "median_answer_seconds", e.MedianAnswer)
		row("cadence", id, "useful", e.Useful)
		row("cadence", id, "not_useful", e.NotUseful)
		row("cadence", id, "useful_low", e.UsefulShare.Low)
		row("cadence", id, "useful_high", e.UsefulShare.High)
		row("cadence", id, "followed_by_application", e.FollowedBy)
		for _, s := range e.Skips {
			row("cadence", id, "skip:"+s.Label, s.N)
		}
	}
	for _, t := range v.Teams {
		if t.Hidden {
			row("team", t.Team, "hidden_below_min_group", v.MinGroup)
			continue
		}
		row("team", t.Team, "counted", t.Counted)
		row("team", t.Team, "applied", t.Applied)
		row("team", t.Team, "share", t.Share)
		row("team", t.Team, "target", t.Target)
	}
	for _, m := range v.Managers {
		row("manager", m.Manager, "minutes_per_week", m.PerWeek)
		row("manager", m.Manager, "weeks_on_target", m.WeeksOnTarget)
		row("manager", m.Manager, "checkins", m.CheckIns)
		row("manager", m.Manager, "streak", m.Streak)
		row("manager", m.Manager, "pledges_kept_rate", m.KeptRate)
	}
	for _, f := range v.Flags {
		row("flag", f.Manager, string(f.Kind), f.N)
	}
	for _, s := range v.Spots {
		row("spot", s.Manager, string(s.Kind), s.N)
	}
}
