package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

// newFlags returns a flag set for a subcommand with the shared -config flag.
func newFlags(name, synopsis string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", "nudgebot.toml", "configuration `file`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: nudgebot %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs, cfg
}

// parse parses args; -h exits 0 and a bad flag exits 2.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return &exitError{2, errors.New("")}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{2, fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

var errHelp = &exitError{0, errors.New("")}

// load reads and validates the configuration; problems exit 2.
func load(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, &exitError{2, err}
	}
	return cfg, nil
}

// loadOffline loads the configuration for a command that reads the data
// file or the running bot but never the chat platform (plan, status,
// export, backup): it needs no platform secrets, so it works on a host or
// in a shell that holds none.
func loadOffline(path string) (*config.Config, error) {
	cfg, err := config.LoadWith(path, config.Options{NoSecrets: true})
	if err != nil {
		return nil, &exitError{2, err}
	}
	return cfg, nil
}

func dataFile(cfg *config.Config) string { return filepath.Join(cfg.DataDir, store.FileName) }

func socketPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "nudgebot.sock") }
