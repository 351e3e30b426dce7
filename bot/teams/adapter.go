package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Options configure the Teams adapter.
type Options struct {
	AppID       string // the bot's Microsoft app id (the Entra app's client id)
	AppPassword string // its client secret; from the environment or a file, never the TOML
	TenantID    string // the bot's home tenant (single-tenant registration)
	// OpenIDMetadata, Authority: identity endpoints (see AuthOptions).
	OpenIDMetadata, Authority string
	// AllowedServiceURLs may be called before an activity came from them:
	// the service URL of the tenant's region, for proactive 1:1s with
	// managers known only by id and for channels after a restart.
	AllowedServiceURLs []string
	TenantRate         float64 // requests per second to the tenant (default 50)
	TenantBurst        int
	// Reload re-reads the configuration for the admin command "reload";
	// nil leaves reloading by command off.
	Reload func(ctx context.Context) error
	// UserIDs maps roster manager id → AAD object id or Teams user id
	// (29:…), where the roster knows it; others are matched by email.
	UserIDs map[string]string
	// SkipAuth accepts activities without a token: development against a
	// local Bot Framework client only. New refuses it unless Listen is a
	// loopback address.
	SkipAuth bool
	Listen   string
	// MinKeyRefresh is the least time between key refreshes caused by
	// unknown key ids (default 5 minutes).
	MinKeyRefresh time.Duration
	HTTPClient    *http.Client
	Logger        zerolog.Logger
	Now           func() time.Time
}

// Adapter is nudgebot's Teams platform: it delivers the engine's messages
// as Adaptive Cards (converse.Chat, converse.Pacer) and serves the messaging
// endpoint. It claims no converse.Reconciler: the connector cannot list what a
// conversation holds, so a delivery whose outcome is unknown is sent
// again, and the engine's small in-flight window (Capacity) bounds how
// many that can be after a crash.
type Adapter struct {
	opt    Options
	auth   *Authenticator
	client *Client
	log    zerolog.Logger
	byID   map[string]string // AAD object id or Teams user id → manager, from Options.UserIDs
	engine atomic.Pointer[engineBox]
}

type engineBox struct{ Engine }

var (
	_ converse.Chat  = (*Adapter)(nil)
	_ converse.Pacer = (*Adapter)(nil)
)

// New checks the options and returns an adapter; it makes no request.
func New(o Options) (*Adapter, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SkipAuth && !loopback(o.Listen) {
		return nil, fmt.Errorf("teams: development mode skips inbound authentication and is refused unless the HTTP server listens on loopback (not %q)", o.Listen)
	}
	var auth *Authenticator
	if !o.SkipAuth {
		var err error
		auth, err = NewAuthenticator(AuthOptions{AppID: o.AppID, TenantID: o.TenantID, OpenIDMetadata: o.OpenIDMetadata,
			Authority: o.Authority, HTTPClient: o.HTTPClient, Now: o.Now, MinRefresh: o.MinKeyRefresh})
		if err != nil {
			return nil, err
		}
	}
	client, err := NewClient(ClientOptions{AppID: o.AppID, AppPassword: o.AppPassword, TenantID: o.TenantID,
		Authority: o.Authority, AllowedServiceURLs: o.AllowedServiceURLs, TenantRate: o.TenantRate,
		TenantBurst: o.TenantBurst, HTTPClient: o.HTTPClient,
		// A local Bot Framework client checks no token; without a secret
		// the development mode sends none.
		NoToken: o.SkipAuth && o.AppPassword == ""})
	if err != nil {
		return nil, err
	}
	a := &Adapter{opt: o, auth: auth, client: client, log: o.Logger, byID: map[string]string{}}
	for m, id := range o.UserIDs {
		a.byID[id] = m
	}
	if o.SkipAuth {
		a.log.Warn().Msg("TEAMS DEVELOPMENT MODE: inbound activities are NOT authenticated; never expose this server")
	}
	return a, nil
}

// loopback reports whether a listen address only accepts local clients.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackURL reports whether a service URL is on this machine.
func loopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return loopback(net.JoinHostPort(u.Hostname(), "0"))
}

// Attach gives the adapter its engine (built after it: the engine needs
// the adapter to deliver). Activities before it are answered 503.
func (a *Adapter) Attach(e Engine) { a.engine.Store(&engineBox{e}) }

func (a *Adapter) eng() Engine {
	if b := a.engine.Load(); b != nil {
		return b.Engine
	}
	return nil
}

// Check asks for the bot's token: a missing or wrong secret fails the
// start instead of the first nudge.
func (a *Adapter) Check(ctx context.Context) error { return a.client.Check() }

// Capacity is the tenant's pace (converse.Pacer); the engine claims no more
// than this ahead, which is what a crash may resend.
func (a *Adapter) Capacity(d time.Duration) int { return a.client.Capacity(d) }

// ref is a conversation reference: where a manager's 1:1 is.
type ref struct {
	ServiceURL string `json:"s"`
	Tenant     string `json:"t"`
	User       string `json:"u"`
	AAD        string `json:"o,omitempty"`
	Conv       string `json:"c,omitempty"`
}

// Identity namespaces.
const (
	nsRef     = "teams-ref"     // manager → ref (JSON)
	nsUser    = "teams-user"    // Teams user id → manager
	nsChannel = "teams-channel" // channel conversation id → service URL
)

func (a *Adapter) loadRef(e Engine, manager string) (ref, bool) {
	s, ok := e.Identity(nsRef, manager)
	if !ok {
		return ref{}, false
	}
	var r ref
	if json.Unmarshal([]byte(s), &r) != nil || r.ServiceURL == "" {
		return ref{}, false
	}
	// References are written only from authenticated activities.
	a.client.Trust(r.ServiceURL)
	return r, true
}

// errNotReachable is a manager the bot cannot write to yet.
var errNotReachable = errors.New("no Teams conversation with this manager yet")

// Send delivers a message as a card (converse.Chat). Its ref is the
// conversation and activity id, for updates.
func (a *Adapter) Send(ctx context.Context, to converse.Recipient, m nudges.Message) (string, error) {
	e := a.eng()
	if e == nil {
		return "", converse.NotSent(errors.New("teams: adapter not attached"))
	}
	act := cardActivity(CardOf(m, nil, nil), m.Fallback)
	if to.Channel != "" {
		su, ok := e.Identity(nsChannel, to.Channel)
		if ok {
			a.client.Trust(su)
		} else if len(a.opt.AllowedServiceURLs) > 0 {
			su, _ = normalServiceURL(a.opt.AllowedServiceURLs[0])
		} else {
			return "", converse.Permanent("team channel not known to the bot yet (add the app to the team)", errNotReachable)
		}
		id, err := a.client.SendActivity(ctx, su, to.Channel, act)
		return to.Channel + "|" + id, err
	}
	r, err := a.conversation(ctx, e, to.Manager)
	if err != nil {
		return "", err
	}
	id, err := a.client.SendActivity(ctx, r.ServiceURL, r.Conv, act)
	if err != nil {
		return "", err
	}
	return r.Conv + "|" + id, nil
}

// conversation finds or opens a manager's 1:1.
func (a *Adapter) conversation(ctx context.Context, e Engine, manager string) (ref, error) {
	r, ok := a.loadRef(e, manager)
	if ok && r.Conv != "" {
		return r, nil
	}
	if !ok {
		id := a.opt.UserIDs[manager]
		if id == "" || len(a.opt.AllowedServiceURLs) == 0 {
			return ref{}, converse.Permanent("not reachable in Teams yet: the app is not installed for this manager", errNotReachable)
		}
		su, _ := normalServiceURL(a.opt.AllowedServiceURLs[0])
		r = ref{ServiceURL: su, Tenant: a.opt.TenantID, User: id}
	}
	conv, err := a.client.OpenConversation(ctx, r.ServiceURL, r.Tenant, r.User)
	if err != nil {
		var p *converse.PermanentError
		if errors.As(err, &p) {
			return ref{}, converse.Permanent("not reachable in Teams yet: the app is not installed for this manager", err)
		}
		return ref{}, err
	}
	r.Conv = conv
	if err := a.saveRef(ctx, e, manager, r); err != nil {
		a.log.Warn().Err(err).Str("manager", manager).Msg("could not keep a conversation reference")
	}
	return r, nil
}

func (a *Adapter) saveRef(ctx context.Context, e Engine, manager string, r ref) error {
	b, _ := json.Marshal(r)
	if s, ok := e.Identity(nsRef, manager); ok && s == string(b) {
		return nil
	}
	return e.SetIdentity(ctx, nsRef, manager, string(b))
}
