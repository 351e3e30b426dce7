package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// exitDamaged is the exit status of every command that finds the data file
// damaged (2 is a usage or configuration error, 1 anything else), so a
// supervisor can tell "restore a backup" from "fix the config".
const exitDamaged = 3

// restoreHint ends the one line a damaged data file earns.
const restoreHint = "; restore from a backup (see README, \"Verify and restore\")"

// exitStatus is the exit status and the message main prints for err.
func exitStatus(err error) (int, string) {
	msg := err.Error()
	var ee *exitError
	switch {
	case errors.Is(err, store.ErrDamaged):
		return exitDamaged, strings.ReplaceAll(msg, "\n", " ") + restoreHint
	case errors.As(err, &ee):
		return ee.code, msg
	}
	return 1, msg
}

// cmdVerify checks the data file (or a backup) through and through: bbolt's
// consistency check and every record decoded. The bot must be stopped: a
// running bot holds the file.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("verify", "verify -config FILE | -file PATH", stderr)
	file := fs.String("file", "", "verify this data file or backup (`PATH`) instead of the configured one")
	if err := parse(fs, args); err != nil {
		return err
	}
	target := *file
	if target == "" {
		cfg, err := load(*path)
		if err != nil {
			return err
		}
		target = dataFile(cfg)
	}
	st, err := store.Open(target, store.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := st.Verify(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %d", name, counts[name]))
	}
	fmt.Fprintf(stdout, "%s: ok (%s)\n", target, strings.Join(parts, ", "))
	return nil
}
