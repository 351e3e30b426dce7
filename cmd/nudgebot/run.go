package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/shell"
	"github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/lms"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web"
	"github.com/nudgebot/nudgebot/web/dash"
)

// shutdownGrace bounds how long a stopping bot waits for deliveries in flight.
const shutdownGrace = 10 * time.Second

// zoneBudget bounds how long start-up spends asking Slack for time zones the
// roster leaves out; the rest are asked at the next start or reload.
const zoneBudget = 20 * time.Second

func cmdRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, o options) error {
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

	reg := prometheus.NewRegistry()
	ready := &web.Readiness{}
	// prep completes a freshly loaded configuration from the platform (time
	// zones the roster leaves out) before the engine sees it.
	prep := func(context.Context, *config.Config) {}
	var engine *bot.Engine
	var metrics *web.Metrics
	// chat delivers; runChat serves it (reads the terminal, holds the
	// socket) with the engine, once that is built.
	var chat bot.Chat
	var runChat func(context.Context) error
	var slackApp *slack.Adapter
	var teamsApp *teams.Adapter
	switch cfg.Platform {
	case "shell":
		// The session tells this run's reply ids from earlier runs'. It is
		// random, not the start time: two runs at one fixed test clock
		// must not share it.
		sh := shell.New(stdin, stdout, rand.Text(), shell.Options{Echo: !isTerminal(stdin)})
		chat, runChat = sh, func(ctx context.Context) error { return sh.Run(ctx, engine) }
	case "slack":
		s := cfg.Slack
		slackApp, err = slack.New(slack.Options{
			BotToken: s.BotToken.Value(), AppToken: s.AppToken.Value(), SigningSecret: s.SigningSecret.Value(),
			Mode: s.Mode, APIURL: s.APIURL, Admins: s.Admins, UserIDs: s.UserIDs, WorkspaceRate: s.WorkspaceRate,
			Logger: logger.With().Str("platform", "slack").Logger(),
			Reload: func(ctx context.Context) error { return reload(ctx, *path, engine, metrics, prep) },
			OnAck: func(kind string, d time.Duration) {
				metrics.AckLatency.WithLabelValues("slack", kind).Observe(d.Seconds())
			},
			OnConnection: func(err error) { ready.Set("slack", err) },
		})
		if err != nil {
			return &exitError{2, err}
		}
		defer slackApp.Close()
		// Fail fast on a missing or revoked token, before anything runs.
		if err := slackApp.Check(ctx); err != nil {
			return err
		}
		chat, runChat = slackApp, func(ctx context.Context) error { return slackApp.Run(ctx, engine) }
		if s.Mode != "http" {
			ready.Set("slack", errors.New("Socket Mode not connected yet"))
		}
	case "teams":
		reloadCmd := func(ctx context.Context) error { return reload(ctx, *path, engine, metrics, prep) }
		if teamsApp, err = newTeams(cfg, logger, o.now, reloadCmd); err != nil {
			return &exitError{2, err}
		}
		// Fail fast on a missing or refused secret, before anything runs.
		if err := teamsApp.Check(ctx); err != nil {
			return err
		}
		chat, runChat = teamsChat{teamsApp}, func(ctx context.Context) error { return teamsChat{teamsApp}.Run(ctx, engine) }
	default:
		return &exitError{2, fmt.Errorf("%s: chat.platform %q is not available in this build", cfg.Path, cfg.Platform)}
	}
	// Opened after the platform check, so a bad token changes nothing.
	// An erasure from the dashboard could not rewrite the open file: the
	// pages it freed are rewritten now, before the store opens.
	if done, err := store.CompactIfPending(dataFile(cfg)); err != nil {
		return fmt.Errorf("rewrite the data file after an erasure: %w", err)
	} else if done {
		logger.Info().Msg("data file rewritten after an erasure")
	}
	st, err := store.Open(dataFile(cfg), store.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	ready.Check("store", st.Err)
	engine = bot.New(cfg, st, chat, bot.Options{Logger: logger, Now: o.now})
	metrics = web.NewMetrics(reg, engine)
	engine.OnDelivered = metrics.Delivered
	engine.OnSkipped = metrics.SkippedBy
	var intake *lms.Intake
	var writer *lms.Writer
	lmsClient := &http.Client{Timeout: time.Minute}
	if len(cfg.LMS.Sources) > 0 || cfg.LMS.WriteBack.URL != "" {
		intake = lms.NewIntake(engine, st, lms.Options{Now: o.now, Logger: logger.With().Str("component", "lms").Logger()})
		reg.MustRegister(lms.NewCollector(intake))
		if cfg.LMS.WriteBack.URL != "" {
			// Before Start: the engine reads OnLog without a lock.
			writer = lms.NewWriter(intake, lmsClient)
			engine.OnLog = writer.OnLog
		}
	}
	if slackApp != nil {
		// Before Start: settling deliveries a crash left in flight asks
		// Slack's history, which needs the roster.
		slackApp.Bind(engine)
		prep = func(ctx context.Context, c *config.Config) { slackApp.ResolveZones(ctx, c, zoneBudget) }
		prep(ctx, cfg)
	}
	if teamsApp != nil {
		teamsApp.Attach(engine)
	}
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
	// A damaged data file stops the bot: it cannot commit, and going on
	// would only deliver what it can no longer record.
	wg.Go(func() {
		select {
		case <-runCtx.Done():
		case <-st.Damaged():
			logger.Error().Err(st.Err()).Msg("data file damaged; stopping")
			cancel()
		}
	})
	// Learning events: pushed to the HTTP server, or polled from an LRS;
	// coaching logs written back.
	if intake != nil {
		wg.Go(func() { intake.RunPollers(runCtx, lmsClient) })
	}
	if writer != nil {
		wg.Go(func() { writer.Run(runCtx) })
	}
	board, err := newDashboard(cfg, engine, logger, o)
	if err != nil {
		cancel()
		wg.Wait()
		return err
	}
	if board != nil {
		defer board.Close()
		// The figures are counted from the file while the bot starts, not
		// when the first L&D admin opens a page.
		board.Warm()
		if cfg.Dashboard.Listen != "" {
			if err := serveDashboard(runCtx, &wg, cfg.Dashboard.Listen, board, logger); err != nil {
				cancel()
				wg.Wait()
				return err
			}
		}
	}
	if cfg.HTTPListen != "" {
		srv := web.New(reg, ready.Ready)
		if slackApp != nil && cfg.Slack.Mode == "http" {
			srv.Handle("/slack/", slackApp.Handler())
		}
		if teamsApp != nil {
			srv.Handle("/api/messages", teamsApp.Handler())
		}
		if len(cfg.LMS.Sources) > 0 {
			lms.NewServer(intake).Mount(srv)
		}
		if board != nil && cfg.Dashboard.Listen == "" {
			srv.Handle(dash.Prefix+"/", board)
		}
		l, err := net.Listen("tcp", cfg.HTTPListen)
		if err != nil {
			cancel()
			wg.Wait()
			return fmt.Errorf("http.listen: %w", err)
		}
		logger.Info().Str("addr", l.Addr().String()).Msg("HTTP server listening")
		wg.Go(func() {
			if err := srv.Serve(runCtx, l, shutdownGrace); err != nil {
				logger.Error().Err(err).Msg("HTTP server stopped")
			}
		})
	}
	// Registered here, not in the goroutine: a HUP arriving before that
	// goroutine runs would otherwise kill the bot (the default action).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wg.Go(func() { reloadOnHUP(runCtx, hup, *path, engine, metrics, prep, logger) })

	chatErr := runChat(runCtx)
	cancel()
	ctl.Close()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		logger.Warn().Msg("shutdown grace period over; closing with work in flight (it resumes on the next start)")
	}
	if slackApp != nil {
		// Before the store closes (deferred): its last inbound jobs write.
		slackApp.Close()
	}
	logger.Info().Msg("nudgebot stopped")
	if err := st.Err(); errors.Is(err, store.ErrDamaged) {
		return err
	}
	if chatErr != nil && !errors.Is(chatErr, context.Canceled) {
		return chatErr
	}
	return nil
}

// reloadOnHUP reloads the configuration on SIGHUP. A configuration that
// fails to load or apply is logged and the running one is kept.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, path string, e *bot.Engine, m *web.Metrics, prep func(context.Context, *config.Config), log zerolog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			var restart *bot.RestartNeededError
			if err := reload(ctx, path, e, m, prep); err != nil && !errors.As(err, &restart) {
				log.Error().Err(err).Msg("reload failed; keeping the running configuration")
			}
		}
	}
}

func reload(ctx context.Context, path string, e *bot.Engine, m *web.Metrics, prep func(context.Context, *config.Config)) (err error) {
	defer func() {
		var restart *bot.RestartNeededError
		result := "ok"
		switch {
		case errors.As(err, &restart):
			result = "restart_needed" // applied, but not all of it
		case err != nil:
			result = "error"
		}
		m.Reloads.WithLabelValues(result).Inc()
	}()
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	prep(ctx, cfg)
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
	console := cfg.LogFormat == "console" || cfg.LogFormat == "auto" && isTerminal(out)
	if console {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), closeFn, nil
}

// isTerminal reports whether v (a reader or writer) is a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
