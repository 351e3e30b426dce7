// Command nudgebot runs the bot and its operator commands: run,
// check-config, plan, export, status, backup, verify and import-events. main only parses the
// command line and turns errors into exit codes; the work is in run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "time/tzdata" // a scratch or distroless image has no zoneinfo of its own
)

// exitError carries an exit code; usage and validation problems exit 2
// (see exitStatus for the rest).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		code, msg := exitStatus(err)
		if msg != "" {
			fmt.Fprintln(os.Stderr, "nudgebot:", msg)
		}
		os.Exit(code)
	}
}

const usage = `nudgebot gets line managers to coach their teams through a learning rollout.

Usage:
  nudgebot run          -config FILE                  run the bot
  nudgebot check-config -config FILE                  validate a configuration
  nudgebot plan         -config FILE -from YYYY-MM-DD -days N [-manager ID]
                                                      preview who gets what, when (JSON lines)
  nudgebot export       -config FILE -format jsonl|csv [-out FILE]
                                                      export coaching logs
  nudgebot export       -config FILE -person ID       everything held about one person (JSON; bot stopped)
  nudgebot erase        -config FILE -person ID       erase one person's data for good (bot stopped)
  nudgebot audit        -config FILE                  the audit log of admin actions (JSON lines)
  nudgebot status       -config FILE                  outbox counts (JSON)
  nudgebot report       -config FILE [-program ID] [-from DAY] [-to DAY] [-format json|csv] [-experiments]
                                                      L&D's figures: reach, first application, flags, experiments
  nudgebot backup       -config FILE -out PATH        consistent copy of the data file
  nudgebot verify       -config FILE | -file PATH     check the data file (or a backup) through and through
  nudgebot teams-package -config FILE -out ZIP        the Teams app package to upload
  nudgebot import-events -config FILE -file F [-format jsonl|csv] [-source NAME] [-bulk]
                                                      store learning events from an LRS export or a CSV

-config defaults to nudgebot.toml. Each command takes -h.
Exit status: 0 ok, 1 error, 2 usage or configuration error, 3 the data file is damaged.
`

// options are what the program otherwise takes from the machine it runs
// on, so a test can fix them.
type options struct {
	// now is the clock behind every date and time the commands work out
	// (what is due at start, plan's default first day). Nothing else reads
	// the wall clock for such decisions.
	now func() time.Time
}

// option sets one of the options.
type option func(*options)

// withClock runs the program on a clock of the caller's: tests fix the time
// so that what is due does not depend on when they run.
func withClock(now func() time.Time) option { return func(o *options) { o.now = now } }

// wallClock is the clock main uses. It is a variable only so that the tests
// can make reading it an error: a test that does not fix its own time would
// pass or fail depending on the hour.
var wallClock = time.Now

// run is the whole program behind main, testable in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, opts ...option) error {
	o := options{now: wallClock}
	for _, set := range opts {
		set(&o)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{2, errors.New("")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdin, stdout, stderr, o)
	case "check-config":
		return cmdCheckConfig(rest, stdout, stderr)
	case "plan":
		return cmdPlan(rest, stdout, stderr, o)
	case "export":
		if hasFlag(rest, "person") {
			return cmdExportPerson(ctx, rest, stdout, stderr, o)
		}
		return cmdExport(ctx, rest, stdout, stderr)
	case "erase":
		return cmdErase(ctx, rest, stdout, stderr, o)
	case "audit":
		return cmdAudit(ctx, rest, stdout, stderr)
	case "status":
		return cmdStatus(ctx, rest, stdout, stderr)
	case "report":
		return cmdReport(ctx, rest, stdout, stderr, o)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr)
	case "verify":
		return cmdVerify(ctx, rest, stdout, stderr)
	case "teams-package":
		return cmdTeamsPackage(rest, stdout, stderr)
	case "import-events":
		return cmdImportEvents(ctx, rest, stdout, stderr, o)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return &exitError{2, fmt.Errorf("unknown command %q", cmd)}
}
