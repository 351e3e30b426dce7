// Package bot is nudgebot's engine: it keeps the durable schedule moving
// (sweep: due rows → outbox), delivers the outbox through a Chat platform
// (dispatch), and turns managers' replies and learning events into coaching
// logs and follow-ups. It knows nothing of any particular platform: the
// adapters in bot/shell, bot/slack and bot/teams implement Chat, which,
// with the rest of what adapters share (commands, replies, form rules),
// lives in bot/converse so that adapters need not import the engine.
package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// Engine runs the schedule, the outbox and the replies for one roster.
type Engine struct {
	// cfg is the effective configuration (Config.Effective): the loaded one
	// with launches, pauses and zones applied. It is never written once
	// stored; a change builds a new one and swaps it in.
	cfg atomic.Pointer[config.Config]
	// base is the configuration as loaded, the input of every effective
	// one. Guarded by sweepMu.
	base  *config.Config
	store *store.Store
	chat  Chat
	log   zerolog.Logger
	now   func() time.Time

	wake chan struct{}
	// gate is closed when items the last claim passed over (the platform
	// could not address them yet) may be ready; nil when none were.
	gate     atomic.Pointer[<-chan struct{}]
	dispatch sync.Mutex // one dispatch pass at a time
	sweepMu  sync.Mutex // one sweep at a time
	// health is the outbox's delivery health, kept from the store's commits.
	health *health
	// OnDelivered is called after each delivery attempt is recorded
	// (metrics, tests).
	OnDelivered func(it store.Item)
	// peers caches how many managers each program has, per configuration,
	// for social proof in reminders.
	peers peerCache
	// OnSkipped is called for each nudge the sweep records as skipped,
	// with its code (SkipCatchUp, SkipAfterHours, SkipDailyCap).
	OnSkipped func(code string)
	// OnLog, when set (before Start), runs in the transaction that stores
	// each coaching log a manager's reply makes, with the nudge answered
	// (nil if none): the LMS write-back queues its statement there, so a
	// stored log is never without it.
	OnLog func(tx *store.Tx, cfg *config.Config, l *store.Log, answered *store.Item) error
	// live keeps the figures up to date as the store commits.
	live *liveBooks
}

// Options configure an Engine.
type Options struct {
	Logger zerolog.Logger
	Now    func() time.Time // defaults to time.Now
}

// Delivery tuning. Attempts back off exponentially from retryBase to
// retryMax with jitter, for engine.retry_for from the first attempt.
const (
	batchSize = 512
	workers   = 16
	retryBase = 2 * time.Second
	retryMax  = 10 * time.Minute
)

// New returns an engine over an open store. Until Start, Config returns
// cfg as loaded; Start installs the effective one.
func New(cfg *config.Config, st *store.Store, chat Chat, opt Options) *Engine {
	e := &Engine{store: st, chat: chat, log: opt.Logger, now: opt.Now, wake: make(chan struct{}, 1)}
	e.health = watchHealth(st)
	if e.now == nil {
		e.now = time.Now
	}
	e.base = cfg
	e.cfg.Store(cfg)
	e.live = newLiveBooks(e)
	return e
}

// Config is the configuration in force.
func (e *Engine) Config() *config.Config { return e.cfg.Load() }

// Store is the engine's store.
func (e *Engine) Store() *store.Store { return e.store }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Start prepares the engine after a (re)start: resolves launch dates,
// brings the schedule in line with the roster, settles deliveries a crash
// left in flight, and runs a first sweep so missed nudges are caught up.
func (e *Engine) Start(ctx context.Context) error {
	e.sweepMu.Lock()
	err := e.install(ctx, e.base)
	e.sweepMu.Unlock()
	if err != nil {
		return err
	}
	if err := e.reconcileInFlight(ctx); err != nil {
		return err
	}
	if _, err := e.Expire(ctx); err != nil {
		return err
	}
	_, err = e.Sweep(ctx)
	return err
}

// install builds the effective configuration from base and what the store
// remembers (first run, pauses), reconciles the schedule with it and only
// then swaps it in, so a failure leaves the running one in place. The
// caller holds sweepMu.
func (e *Engine) install(ctx context.Context, base *config.Config) error {
	first, err := e.store.FirstRun(ctx, nudges.DateOf(e.now().In(base.Location)))
	if err != nil {
		return fmt.Errorf("read first run: %w", err)
	}
	o := config.Overrides{FirstRun: first}
	if o.Paused, err = e.paused(base); err != nil {
		return fmt.Errorf("read paused programs: %w", err)
	}
	eff := base.Effective(o)
	if err := e.reconcileSchedule(ctx, eff); err != nil {
		return err
	}
	e.base = base
	e.cfg.Store(eff)
	return nil
}

// Reload swaps in a new configuration. Everything that can fail is done
// before the swap, so a failed reload leaves the old configuration running.
func (e *Engine) Reload(ctx context.Context, cfg *config.Config) error {
	changed := keepStartupSettings(e.Config(), cfg)
	e.sweepMu.Lock()
	defer e.sweepMu.Unlock()
	if err := e.install(ctx, cfg); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	e.kick()
	if err := e.store.Write(ctx, func(tx *store.Tx) error {
		return tx.AddAudit(store.Audit{At: e.now(), Action: "reload",
			Detail: fmt.Sprintf("%d managers, %d cadences", len(cfg.Managers), len(cfg.Cadences))})
	}); err != nil {
		// The new configuration is in force; only its record is missing.
		e.log.Error().Err(err).Msg("could not record the reload in the audit log")
	}
	if len(changed) > 0 {
		e.log.Warn().Strs("restart_needed", changed).Int("managers", len(cfg.Managers)).Int("cadences", len(cfg.Cadences)).
			Msg("configuration applied except settings that need a restart; they keep their running values")
		return &RestartNeededError{Settings: changed}
	}
	e.log.Info().Int("managers", len(cfg.Managers)).Int("cadences", len(cfg.Cadences)).Msg("configuration reloaded")
	return nil
}

// RestartNeededError is a reload that applied everything but settings the
// process took at start (see converse.RestartNeededError).
type RestartNeededError = converse.RestartNeededError

// keepStartupSettings gives cfg the running values of the settings that
// only a restart can change, and names those cfg would have changed: the
// data file is open and locked, the HTTP server listens, the chat
// adapter is connected in its mode. Taking a new value for one of them
// would make the configuration say one thing while the bot does another.
func keepStartupSettings(running, cfg *config.Config) (changed []string) {
	keep := func(name string, old, new *string) {
		if *old != *new {
			changed = append(changed, fmt.Sprintf("%s (still %q)", name, *old))
			*new = *old
		}
	}
	keep("data_dir", &running.DataDir, &cfg.DataDir)
	keep("http.listen", &running.HTTPListen, &cfg.HTTPListen)
	keep("chat.platform", &running.Platform, &cfg.Platform)
	keep("slack.mode", &running.Slack.Mode, &cfg.Slack.Mode)
	return changed
}

// Run sweeps on the configured interval and delivers whatever becomes
// ready, until ctx ends; then it finishes the pass in flight and returns.
func (e *Engine) Run(ctx context.Context) error {
	c := cron.New(cron.WithChain(cron.Recover(cronLogger{e.log})))
	spec := fmt.Sprintf("@every %s", e.Config().SweepInterval)
	if _, err := c.AddFunc(spec, func() {
		if _, err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			e.log.Error().Err(err).Msg("sweep failed")
		}
	}); err != nil {
		return fmt.Errorf("schedule sweep: %w", err)
	}
	// Unanswered nudges close after expire_after; to the hour is enough.
	if _, err := c.AddFunc("@every 10m", func() {
		if _, err := e.Expire(ctx); err != nil && ctx.Err() == nil {
			e.log.Error().Err(err).Msg("expiring unanswered nudges failed")
		}
	}); err != nil {
		return fmt.Errorf("schedule expiry: %w", err)
	}
	// Logs past the retention period go within the hour.
	if _, err := c.AddFunc("@every 1h", func() {
		if _, err := e.Retain(ctx); err != nil && ctx.Err() == nil {
			e.log.Error().Err(err).Msg("deleting logs past retention failed")
		}
	}); err != nil {
		return fmt.Errorf("schedule retention: %w", err)
	}
	// L&D's weekly digest: due from Monday morning, queued once a week
	// whichever of these runs comes first.
	if _, err := c.AddFunc("@every 10m", func() {
		if _, err := e.WeeklyDigest(ctx); err != nil && ctx.Err() == nil {
			e.log.Error().Err(err).Msg("queueing the weekly digest failed")
		}
	}); err != nil {
		return fmt.Errorf("schedule digests: %w", err)
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if _, err := e.Dispatch(ctx); err != nil && ctx.Err() == nil {
			e.log.Error().Err(err).Msg("dispatch failed")
		}
		timer.Reset(e.untilNextReady())
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
		case <-timer.C:
		case <-e.gated():
		}
	}
}

// untilNextReady is how long the dispatcher may sleep: until the earliest
// pending retry, capped so a missed wake-up costs at most a few seconds.
func (e *Engine) untilNextReady() time.Duration {
	wait, floor := 5*time.Second, 10*time.Millisecond
	if e.gated() != nil {
		// Ready items wait for the platform to learn their recipients:
		// the gate wakes the dispatcher (see Run).
		floor = wait
	}
	_ = e.store.View(func(tx *store.Tx) error {
		if t, ok := tx.NextReady(); ok {
			wait = min(wait, max(t.Sub(e.now()), floor))
		}
		return nil
	})
	return wait
}

// gated is closed when items the last claim passed over may be ready;
// nil (never ready) when it passed over none.
func (e *Engine) gated() <-chan struct{} {
	if p := e.gate.Load(); p != nil {
		return *p
	}
	return nil
}

func (e *Engine) kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Flush sweeps and delivers everything due by now, synchronously. The
// shell uses it so a scripted session prints in a fixed order, and tests
// use it to step the engine.
// Items the platform cannot address yet are waited for.
func (e *Engine) Flush(ctx context.Context) error {
	if _, err := e.Sweep(ctx); err != nil {
		return err
	}
	for {
		if _, err := e.Dispatch(ctx); err != nil {
			return err
		}
		gate := e.gated()
		if gate == nil {
			return nil
		}
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

type cronLogger struct{ l zerolog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {}
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error().Err(err).Interface("details", kv).Msg(msg)
}

// Errors of inbound requests.
var (
	ErrUnknownManager = converse.ErrUnknownManager
	ErrUnknownNudge   = converse.ErrUnknownNudge
	ErrUnknownLearner = errors.New("unknown learner")
	ErrInvalid        = converse.ErrInvalid
)
