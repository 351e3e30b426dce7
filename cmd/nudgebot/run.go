package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/shell"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

// shutdownGrace bounds how long a stopping bot waits for deliveries in flight.
const shutdownGrace = 10 * time.Second

func cmdRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, path := newFlags("run", "run -config FILE", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := load(*path)
	if err != nil {
		return err
	}
	logger, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	st, err := store.Open(dataFile(cfg), store.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()

	var chat interface {
		bot.Chat
		Run(context.Context, *bot.Engine) error
	}
	switch cfg.Platform {
	case "shell":
		chat = shell.New(stdin, stdout, strconv.FormatInt(time.Now().UnixNano(), 36), shell.Options{Echo: !isTerminal(stdin)})
	default:
		return &exitError{2, fmt.Errorf("%s: chat.platform %q is not available in this build yet; use \"shell\"", cfg.Path, cfg.Platform)}
	}
	engine := bot.New(cfg, st, chat, bot.Options{Logger: logger})
	if err := engine.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	logger.Info().Str("platform", cfg.Platform).Int("managers", len(cfg.Managers)).Str("data", st.Path()).Msg("nudgebot started")

	// runCtx ends the engine and the control socket; the chat adapter ends
	// it too when its input ends (the shell), so the bot drains and exits.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	ctl, err := serveControl(runCtx, socketPath(cfg), engine, logger)
	if err != nil {
		return err
	}
	wg.Go(func() {
		if err := engine.Run(runCtx); err != nil {
			logger.Error().Err(err).Msg("engine stopped")
		}
	})
	// Registered here, not in the goroutine: a HUP arriving before that
	// goroutine runs would otherwise kill the bot (the default action).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wg.Go(func() { reloadOnHUP(runCtx, hup, *path, engine, logger) })

	chatErr := chat.Run(runCtx, engine)
	cancel()
	ctl.Close()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		logger.Warn().Msg("shutdown grace period over; closing with work in flight (it resumes on the next start)")
	}
	logger.Info().Msg("nudgebot stopped")
	if chatErr != nil && !errors.Is(chatErr, context.Canceled) {
		return chatErr
	}
	return nil
}

// reloadOnHUP reloads the configuration on SIGHUP. A configuration that
// fails to load or apply is logged and the running one is kept.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, path string, e *bot.Engine, log zerolog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := reload(ctx, path, e); err != nil {
				log.Error().Err(err).Msg("reload failed; keeping the running configuration")
			}
		}
	}
}

func reload(ctx context.Context, path string, e *bot.Engine) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	return e.Reload(ctx, cfg)
}

// newLogger logs JSON, or a console format on a terminal. On the shell
// platform the terminal is the chat, so logs go to a file in data_dir.
func newLogger(cfg *config.Config, stderr io.Writer) (zerolog.Logger, func(), error) {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	out, closeFn := stderr, func() {}
	if cfg.Platform == "shell" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return zerolog.Logger{}, nil, fmt.Errorf("create data_dir: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(cfg.DataDir, "nudgebot.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return zerolog.Logger{}, nil, fmt.Errorf("open log file: %w", err)
		}
		out, closeFn = f, func() { f.Close() }
	}
	console := cfg.LogFormat == "console"
	if cfg.LogFormat == "auto" {
		if f, ok := out.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			console = true
		}
	}
	if console {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), closeFn, nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
