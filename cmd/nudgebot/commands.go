package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

func cmdCheckConfig(args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("check-config", "check-config -config FILE", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	var probs config.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			fmt.Fprintln(stdout, p.String())
		}
		return &exitError{2, fmt.Errorf("%s: %d problem(s)", *path, len(probs))}
	}
	if err != nil {
		fmt.Fprintf(stdout, "%s: %v\n", *path, err)
		return &exitError{2, errors.New("")}
	}
	fmt.Fprintf(stdout, "%s: ok (%d programs, %d cadences, %d managers, %d teams)\n",
		*path, len(cfg.Programs), len(cfg.Cadences), len(cfg.Managers), len(cfg.Teams))
	return nil
}

// planLine is one nudge of the dry-run calendar.
type planLine struct {
	Manager string `json:"manager"`
	Kind    string `json:"kind"`
	Cadence string `json:"cadence"`
	Program string `json:"program"`
	Week    int    `json:"week"`
	Phase   string `json:"phase"`
	Local   string `json:"local"`
	UTC     string `json:"utc"`
	Nudge   string `json:"nudge_id"`
}

func cmdPlan(args []string, stdout, stderr io.Writer, o options) error {
	fs, path := newFlags("plan", "plan -config FILE -from YYYY-MM-DD -days N [-manager ID]", stderr)
	from := fs.String("from", "", "first `date` of the plan, YYYY-MM-DD (default: today)")
	days := fs.Int("days", 14, "how many `days` to plan")
	manager := fs.String("manager", "", "only this manager `ID`")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	today := nudges.DateOf(o.now().In(cfg.Location))
	start := today
	if *from != "" {
		if start, err = nudges.ParseDate(*from); err != nil {
			return &exitError{2, fmt.Errorf("-from: %v", err)}
		}
	}
	if *days < 1 || *days > 366 {
		return &exitError{2, fmt.Errorf("-days: want 1 to 366, got %d", *days)}
	}
	// What the running bot would do: its first run, pauses and learned
	// time zones come from the data file.
	cfg, ran, err := planConfig(context.Background(), cfg, today)
	if err != nil {
		return err
	}
	if !ran && len(cfg.LaunchAfterFirstRun) > 0 {
		fmt.Fprintf(stderr, "note: the bot has not run yet; programs launched relative to its first run are counted from today (%s), as a start now would\n", today)
	}
	managers := cfg.Managers
	if *manager != "" {
		m := cfg.Manager(*manager)
		if m == nil {
			return &exitError{2, fmt.Errorf("-manager: no manager %q on the roster", *manager)}
		}
		managers = []*nudges.Manager{m}
	}
	return writePlan(cfg, managers, start, *days, stdout)
}

// writePlan emits the calendar through nudges.Planner, the very code the
// scheduler uses for the due table.
func writePlan(cfg *config.Config, managers []*nudges.Manager, start nudges.Date, days int, stdout io.Writer) error {
	w := bufio.NewWriterSize(stdout, 1<<16)
	enc := json.NewEncoder(w)
	planner := cfg.Planner()
	var err error
	for _, m := range managers {
		loc := m.Calendar.Location
		planner.Days(m, start, days, func(o nudges.Occurrence) {
			if err != nil {
				return
			}
			err = enc.Encode(planLine{
				Manager: m.ID, Kind: string(o.Cadence.Kind), Cadence: o.Cadence.ID, Program: o.Program.ID,
				Week: o.Program.Week(o.Local), Phase: string(o.Program.Phase(o.Local)),
				Local: o.At.In(loc).Format(time.RFC3339), UTC: o.At.UTC().Format(time.RFC3339), Nudge: o.ID(),
			})
		})
		if err != nil {
			return err
		}
	}
	return w.Flush()
}

// planConfig is the effective configuration for plan (bot.PlanConfig) from
// the data file: a running bot holds the file's lock, so its state is read
// from a backup it streams over the control socket; with no bot the file is
// opened read-only; with no file the bot has not run yet.
func planConfig(ctx context.Context, cfg *config.Config, today nudges.Date) (*config.Config, bool, error) {
	var zone bot.ZoneCache
	if cfg.Platform == "slack" {
		zone = slack.CachedZone(cfg.Slack.UserIDs)
	}
	fromFile := func(path string) (*config.Config, bool, error) {
		st, err := store.Open(path, store.Options{ReadOnly: true, Timeout: 2 * time.Second})
		if err != nil {
			return nil, false, err
		}
		defer st.Close()
		return bot.PlanConfig(cfg, st, today, zone)
	}
	rc, err := askBot(ctx, socketPath(cfg), "/backup")
	switch {
	case err == nil:
		defer rc.Close()
		// In data_dir, which is private: the copy holds coaching logs.
		f, err := os.CreateTemp(cfg.DataDir, ".plan-*.db")
		if err != nil {
			return nil, false, err
		}
		defer os.Remove(f.Name())
		_, err = io.Copy(f, rc)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, false, fmt.Errorf("copy the running bot's data: %w", err)
		}
		return fromFile(f.Name())
	case !errors.Is(err, errNoBot):
		return nil, false, err
	}
	if _, err := os.Stat(dataFile(cfg)); errors.Is(err, fs.ErrNotExist) {
		return bot.PlanConfig(cfg, nil, today, zone)
	}
	return fromFile(dataFile(cfg))
}

// withStore runs fn on the data file opened read-only, for commands that
// run while no bot does.
func withStore(cfg *config.Config, fn func(*store.Store) error) error {
	st, err := store.Open(dataFile(cfg), store.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("status", "status -config FILE", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	var s Status
	rc, err := askBot(ctx, socketPath(cfg), "/status")
	switch {
	case err == nil:
		defer rc.Close()
		if err := json.NewDecoder(rc).Decode(&s); err != nil {
			return fmt.Errorf("status from running bot: %w", err)
		}
	case errors.Is(err, errNoBot):
		if err := withStore(cfg, func(st *store.Store) (err error) {
			s, err = readStatus(st)
			s.Source = "data file"
			return err
		}); err != nil {
			return err
		}
	default:
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("backup", "backup -config FILE -out PATH", stderr)
	out := fs.String("out", "", "where to write the copy (`PATH`)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return &exitError{2, errors.New("backup: -out is required")}
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	var n int64
	rc, err := askBot(ctx, socketPath(cfg), "/backup")
	switch {
	case err == nil:
		defer rc.Close()
		n, err = writeAtomically(*out, func(w io.Writer) error { _, err := io.Copy(w, rc); return err })
	case errors.Is(err, errNoBot):
		err = withStore(cfg, func(st *store.Store) (err error) {
			n, err = st.BackupFile(*out)
			return err
		})
	}
	if err != nil {
		return err
	}
	// The copy must open as a data file: a backup nobody can restore is none.
	st, err := store.Open(*out, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("backup written to %s but it does not open: %w", *out, err)
	}
	st.Close()
	fmt.Fprintf(stdout, "backup: %d bytes written to %s\n", n, *out)
	return nil
}

// writeAtomically writes a file that appears whole or not at all, readable
// by its owner only. The partial copy is a fresh file of our own
// (O_EXCL, a random name, mode 0600) in the target's directory: a fixed
// name such as out.partial could be a file or symlink someone else put
// there, which would receive the data or redirect the write.
func writeAtomically(path string, fill func(io.Writer) error) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	var n int64
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil {
			n = fi.Size()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return n, nil
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("export", "export -config FILE -format jsonl|csv [-out FILE]", stderr)
	format := fs.String("format", "jsonl", "`jsonl` or csv")
	outPath := fs.String("out", "", "write to this `file` instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "jsonl" && *format != "csv" {
		return &exitError{2, fmt.Errorf("-format: want jsonl or csv, got %q", *format)}
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		rc, err := askBot(ctx, socketPath(cfg), "/export?format="+*format)
		switch {
		case err == nil:
			defer rc.Close()
			_, err = io.Copy(w, rc)
			return err
		case errors.Is(err, errNoBot):
			return withStore(cfg, func(st *store.Store) error { return writeExport(st, *format, w) })
		}
		return err
	}
	if *outPath == "" {
		return write(stdout)
	}
	// Coaching logs are personal data: the file is readable by its owner
	// only, and appears whole or not at all.
	n, err := writeAtomically(*outPath, write)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stderr, "export: %d bytes written to %s\n", n, *outPath)
	return nil
}

// exportRow is a coaching log as exported.
type exportRow struct {
	ID        string            `json:"id"`
	Manager   string            `json:"manager"`
	Kind      string            `json:"kind"`
	Program   string            `json:"program"`
	Learner   string            `json:"learner,omitempty"`
	Nudge     string            `json:"nudge,omitempty"`
	CreatedAt string            `json:"created_at"`
	Minutes   int               `json:"minutes"`
	Answers   map[string]string `json:"answers"`
}

func writeExport(st *store.Store, format string, out io.Writer) error {
	w := bufio.NewWriterSize(out, 1<<16)
	enc := json.NewEncoder(w)
	cw := csv.NewWriter(w)
	if format == "csv" {
		cw.Write([]string{"id", "manager", "kind", "program", "learner", "nudge", "created_at", "minutes", "answers"})
	}
	err := st.View(func(tx *store.Tx) error {
		return tx.Logs(func(l *store.Log) error {
			row := exportRow{ID: l.ID, Manager: l.Manager, Kind: l.Kind, Program: l.Program, Learner: l.Learner,
				Nudge: l.Nudge, CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339), Minutes: l.Minutes, Answers: l.Answers}
			if row.Answers == nil {
				row.Answers = map[string]string{}
			}
			if format == "jsonl" {
				return enc.Encode(row)
			}
			answers, _ := json.Marshal(row.Answers)
			return cw.Write([]string{row.ID, row.Manager, row.Kind, row.Program, row.Learner, row.Nudge,
				row.CreatedAt, strconv.Itoa(row.Minutes), string(answers)})
		})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return w.Flush()
}
