package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/lms"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// cmdImportEvents stores learning events from a file (an LRS export as
// JSON lines, or a CSV report) with the mapping and deduplication of the
// live intake. It writes the data file, so the bot must be stopped.
func cmdImportEvents(ctx context.Context, args []string, stdout, stderr io.Writer, o options) error {
	fs, path := newFlags("import-events", "import-events -config FILE -file F [-format jsonl|csv] [-source NAME] [-bulk]", stderr)
	file := fs.String("file", "", "statements to import: xAPI JSON lines, or CSV with columns "+strings.Join([]string{"id", "email", "lms_id", "activity", "name", "verb", "timestamp"}, ","))
	format := fs.String("format", "", "jsonl or csv (default: from the file name)")
	source := fs.String("source", "", "treat the events as sent by this [[lms.sources]] entry (its learner_key); default: account names match lms_id")
	bulk := fs.Bool("bulk", false, "record the events without nudging anyone (a backfill)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		fs.Usage()
		return &exitError{2, fmt.Errorf("-file is required")}
	}
	if *format == "" {
		*format = "jsonl"
		if strings.HasSuffix(strings.ToLower(*file), ".csv") {
			*format = "csv"
		}
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	src := &config.Source{Name: "import", LearnerKey: "lms_id"}
	if *source != "" {
		if src = cfg.Source(*source); src == nil {
			return &exitError{2, fmt.Errorf("-source: no [[lms.sources]] entry is named %q", *source)}
		}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	st, err := store.Open(dataFile(cfg), store.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	// The engine works out the effective configuration (launches, pauses)
	// the nudges are scheduled under; nothing is sent from here.
	engine := bot.New(cfg, st, noChat{}, bot.Options{Logger: zerolog.Nop(), Now: o.now})
	if err := engine.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	intake := lms.NewIntake(engine, st, lms.Options{Now: o.now, Logger: zerolog.Nop()})
	var progress func(int64)
	if isTerminal(stderr) && size > 0 {
		progress = func(n int64) { fmt.Fprintf(stderr, "\r%s", bar(n, size, 30)) }
	}
	res, err := intake.Import(ctx, f, *format, src, lms.Flags{Bulk: *bulk}, progress)
	if progress != nil {
		fmt.Fprintln(stderr)
	}
	switch {
	case err != nil && res.New == 0:
		return fmt.Errorf("import %s: %w (nothing was stored)", *file, err)
	case err != nil:
		return fmt.Errorf("import %s: %w (%d statements were stored; importing the file again skips them)", *file, err, res.New)
	}
	fmt.Fprintf(stdout, "imported %s: %d statements read, %d new, %d already stored, %d nudges scheduled\n",
		*file, res.Read, res.New, res.Known, res.Nudges)
	return nil
}

// bar draws a progress bar of width cells for done of total.
func bar(done, total int64, width int) string {
	frac := min(float64(done)/float64(total), 1)
	full := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", full), strings.Repeat(".", width-full), frac*100)
}

// noChat is the chat of a command that never delivers.
type noChat struct{}

func (noChat) Send(context.Context, bot.Recipient, nudges.Message) (string, error) {
	return "", bot.NotSent(errors.New("import-events delivers nothing"))
}
