package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"golang.org/x/sync/singleflight"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// Modes of receiving Slack's events and interactions.
const (
	ModeSocket = "socket" // a WebSocket the bot opens: no public URL needed (the default)
	ModeHTTP   = "http"   // Slack POSTs to Handler, which must be reachable from the internet
)

// Options configure the Slack adapter.
type Options struct {
	BotToken      string // Bot User OAuth Token (xoxb-…): every Web API call
	AppToken      string // app-level token (xapp-…) with connections:write: Socket Mode only
	SigningSecret string // the app's signing secret: HTTP mode only
	Mode          string // ModeSocket (default) or ModeHTTP
	APIURL        string // Web API base URL, e.g. "https://slack.com/api/"; tests point it at a fake
	// Admins are L&D admins besides roster managers marked admin: Slack user
	// ids (U…) or email addresses.
	Admins []string
	// UserIDs maps roster manager id → Slack user id where the roster knows
	// it; everyone else is found by their roster email.
	UserIDs map[string]string
	// WorkspaceRate caps chat.postMessage calls per second across the
	// workspace (default 1). Each channel is further held to about one a
	// second, which is what Slack allows.
	WorkspaceRate float64
	HTTPClient    *http.Client
	Logger        zerolog.Logger
	// Reload re-reads the configuration for the admin command `/nudge
	// reload`; nil disables the command.
	Reload func(ctx context.Context) error
	// OnAck, when set, learns how long each inbound request took to
	// acknowledge (kind: event, action, submission, command), for metrics.
	OnAck func(kind string, d time.Duration)
	// OnConnection, when set, learns when the Socket Mode connection comes
	// up (nil) or goes down (the reason), for the readiness probe.
	OnConnection func(err error)
}

// Adapter is nudgebot's Slack platform: it delivers the engine's messages
// (converse.Chat, converse.Reconciler) and turns what managers do in Slack (buttons,
// modals, direct messages, the Home tab, /nudge) into engine calls.
type Adapter struct {
	opt  Options
	api  *slack.Client
	http *http.Client
	log  zerolog.Logger
	// refusals logs forged or misconfigured requests, sampled: a flood of
	// them must not flood the log, but a wrong signing secret must show.
	refusals zerolog.Logger
	pace     *pacer
	engine   atomic.Pointer[binding]
	byUser   map[string]string // Slack user id → manager id, from Options.UserIDs
	admins   map[string]bool   // Slack user ids as given, emails lower-cased
	byEmail  bool              // some admin is named by email: worth a users.info
	// hooks are the hosts a response_url may point at: Slack's, and the
	// API host when it is not Slack's (a test fake, a proxy).
	hooks map[string]bool
	// dms (Slack user → DM channel) and users (manager → Slack user, for
	// managers found by email) remember identities in memory; they never
	// change, and the store keeps them across restarts. A delivery then
	// reads no transaction to find where it goes. About 60 bytes a manager
	// each.
	dms, users memo
	// dir reads the workspace's user list once, to find managers by email
	// in bulk; lookups of managers it lacks are shared by concurrent
	// deliveries.
	dir     directory
	lookups singleflight.Group
	// ims reads the bot's DM channels in bulk, for history checks.
	ims imList

	// updates sends message updates at Slack's pace (update.go).
	updates *updates

	// pingInterval is how long Socket Mode waits for Slack's ping before
	// it reconnects (tests raise it: the fake server never pings).
	pingInterval time.Duration

	// Work that follows an acknowledgement (opening a modal, updating a
	// message, answering a command) runs on goroutines owned here, so
	// Close can wait for it.
	workCtx  context.Context
	stopWork context.CancelFunc
	mu       sync.Mutex
	closed   bool
	work     sync.WaitGroup
	slots    chan struct{}
	once     sync.Once
}

var (
	_ converse.Chat       = (*Adapter)(nil)
	_ converse.Reconciler = (*Adapter)(nil)
	_ converse.Pacer      = (*Adapter)(nil)
	_ converse.Gate       = (*Adapter)(nil)
)

// Limits of the work that follows acknowledgements.
const (
	maxInFlight   = 64               // concurrent post-ack jobs; more wait their turn
	shutdownGrace = 10 * time.Second // how long Close lets post-ack work finish
)

// New checks the options and returns an adapter. It makes no network call:
// Check verifies the token with Slack.
func New(opt Options) (*Adapter, error) {
	if opt.Mode == "" {
		opt.Mode = ModeSocket
	}
	var problems []string
	if strings.TrimSpace(opt.BotToken) == "" {
		problems = append(problems, "the bot token (Bot User OAuth Token, xoxb-…) is missing")
	}
	switch opt.Mode {
	case ModeSocket:
		switch {
		case strings.TrimSpace(opt.AppToken) == "":
			problems = append(problems, "Socket Mode needs the app-level token (xapp-…, scope connections:write), and it is missing")
		case !strings.HasPrefix(opt.AppToken, "xapp-"):
			// Never echo the value: it may be a real secret in the wrong place.
			problems = append(problems, "the app-level token does not start with xapp-: it is not an app-level token")
		}
	case ModeHTTP:
		if strings.TrimSpace(opt.SigningSecret) == "" {
			problems = append(problems, "HTTP mode needs the app's signing secret to verify requests, and it is missing")
		}
	default:
		problems = append(problems, fmt.Sprintf("unknown mode %q (want %q or %q)", opt.Mode, ModeSocket, ModeHTTP))
	}
	if opt.WorkspaceRate < 0 {
		problems = append(problems, "the workspace message rate must not be negative")
	}
	if opt.WorkspaceRate == 0 {
		opt.WorkspaceRate = 1
	}
	hooks := map[string]bool{"hooks.slack.com": true}
	if opt.APIURL != "" {
		u, err := url.Parse(opt.APIURL)
		if err != nil || u.Host == "" {
			problems = append(problems, fmt.Sprintf("the API URL %q is not an absolute URL", opt.APIURL))
		} else {
			hooks[u.Host] = true
			if !strings.HasSuffix(opt.APIURL, "/") {
				opt.APIURL += "/" // slack-go appends method names directly
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("slack: %s", strings.Join(problems, "; "))
	}
	pace := newPacer(opt.WorkspaceRate)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: defaultTransport()}
	if opt.HTTPClient != nil {
		c := *opt.HTTPClient // a copy: the caller's client is not changed
		hc = &c
		if hc.Transport == nil {
			hc.Transport = defaultTransport()
		}
	}
	hc.Transport = &holdTransport{base: hc.Transport, pace: pace}
	apiOpts := []slack.Option{slack.OptionHTTPClient(hc)}
	if opt.AppToken != "" {
		apiOpts = append(apiOpts, slack.OptionAppLevelToken(opt.AppToken))
	}
	if opt.APIURL != "" {
		apiOpts = append(apiOpts, slack.OptionAPIURL(opt.APIURL))
	}
	a := &Adapter{
		opt:          opt,
		api:          slack.New(opt.BotToken, apiOpts...),
		http:         hc,
		log:          opt.Logger.With().Str("platform", "slack").Logger(),
		pace:         pace,
		byUser:       map[string]string{},
		admins:       map[string]bool{},
		hooks:        hooks,
		pingInterval: 30 * time.Second,
		slots:        make(chan struct{}, maxInFlight),
	}
	a.updates = newUpdates(a)
	a.refusals = a.log.Sample(&zerolog.BurstSampler{Burst: 5, Period: time.Minute})
	// Copied: the caller's maps must not change under the adapter.
	a.opt.UserIDs = make(map[string]string, len(opt.UserIDs))
	for m, u := range opt.UserIDs {
		if u != "" {
			a.opt.UserIDs[m], a.byUser[u] = u, m
		}
	}
	for _, s := range opt.Admins {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "@") {
			a.admins[strings.ToLower(s)], a.byEmail = true, true
		} else if s != "" {
			a.admins[s] = true
		}
	}
	a.workCtx, a.stopWork = context.WithCancel(context.Background())
	return a, nil
}

// Bind attaches the engine that deliveries consult (the roster, the
// identity cache) and that inbound requests drive. Call it before the
// engine starts: Start already asks the adapter about deliveries a crash
// left in flight. Run binds too.
func (a *Adapter) Bind(e Engine) { a.engine.Store(&binding{e}) }

var errUnbound = errors.New("slack adapter: no engine bound (call Bind before starting the engine)")

func (a *Adapter) bound() (Engine, error) {
	if e := a.engineOf(); e != nil {
		return e, nil
	}
	return nil, errUnbound
}

// call runs one Web API call: no earlier than Slack allows for the method,
// and remembering any wait Slack asks for, so that no goroutine calls the
// method again before it is over. (An HTTP 429 is held by the transport the
// moment it arrives; an ok:false "ratelimited" answer only shows here.)
func (a *Adapter) call(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	// The method's hold and pace are taken in the transport, right before
	// the request goes out: a call that waited out a hold here would skip
	// the re-spacing there and go out with every other call it held.
	err := fn(ctx)
	if d, ok := retryAfter(err); ok {
		if code := slackCode(err); code != "" {
			a.pace.hold(method, d)
		}
		a.log.Warn().Str("method", method).Dur("retry_after", d).Msg("Slack rate limit: holding the method")
	}
	return err
}

// job is work that follows an acknowledgement. It is counted (so Close,
// and tests, wait for it) before the acknowledgement is written, and
// started after: whoever sees the acknowledgement can rely on the work
// being accounted for.
type job struct {
	a *Adapter
	f func(ctx context.Context)
}

// prepare counts f as in flight; nil when there is nothing to do or the
// adapter is shutting down.
func (a *Adapter) prepare(f func(ctx context.Context)) *job {
	if f == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		a.log.Warn().Msg("inbound work dropped: the adapter is shutting down")
		return nil
	}
	a.work.Add(1)
	return &job{a: a, f: f}
}

// start runs the job on its own goroutine, at most maxInFlight at once.
func (j *job) start() {
	if j == nil {
		return
	}
	a := j.a
	go func() {
		defer a.work.Done()
		select {
		case a.slots <- struct{}{}:
		case <-a.workCtx.Done():
			return
		}
		defer func() { <-a.slots }()
		defer func() {
			// One malformed payload must not take the bot down.
			if p := recover(); p != nil {
				a.log.Error().Interface("panic", p).Msg("inbound work panicked")
			}
		}()
		j.f(a.workCtx)
	}()
}

// Close stops accepting inbound work and waits for work in flight, then
// for the message updates it asked for, all within one grace period after
// which what is left is cancelled. It is idempotent; Run calls it on its
// way out.
func (a *Adapter) Close() error {
	a.once.Do(func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		grace := time.NewTimer(shutdownGrace)
		defer grace.Stop()
		work := make(chan struct{})
		go func() { a.work.Wait(); close(work) }()
		// Updates are queued by that work: the queue closes once it is done.
		updated := make(chan struct{})
		go func() { <-work; a.updates.close(); a.updates.workers.Wait(); close(updated) }()
		select {
		case <-updated:
		case <-grace.C:
			a.log.Warn().Msg("inbound work or message updates still running at shutdown: cancelling them")
		}
		a.stopWork()
		<-updated
	})
	return nil
}

// Run receives Slack's events and interactions until ctx ends, then waits
// for the work they started (see Close). In Socket Mode it holds the
// WebSocket open; in HTTP mode requests arrive through Handler, mounted on
// the bot's HTTP server, and Run only binds the engine and waits.
func (a *Adapter) Run(ctx context.Context, e Engine) error {
	a.Bind(e)
	defer a.Close()
	if a.opt.Mode == ModeHTTP {
		<-ctx.Done()
		return nil
	}
	return a.runSocket(ctx)
}

// acked reports an acknowledgement's latency to Options.OnAck.
func (a *Adapter) acked(kind string, since time.Time) {
	if a.opt.OnAck != nil {
		a.opt.OnAck(kind, time.Since(since))
	}
}
