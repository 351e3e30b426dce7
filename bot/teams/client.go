package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// ClientOptions configure the connector client.
type ClientOptions struct {
	AppID, AppPassword, TenantID string
	// Authority is the Entra login authority the token comes from
	// (LoginAuthority when empty).
	Authority string
	// AllowedServiceURLs are service URLs the bot may call before any
	// activity from them arrived (a channel posted to after a restart).
	AllowedServiceURLs []string
	// TenantRate paces every request to the tenant: Teams allows about 50
	// requests a second per app and tenant. The client keeps 1% under it
	// and sends no bursts (TenantBurst, default 1; the gate also keeps
	// requests at least half an interval apart as they leave, so senders
	// woken late together catch up at twice the pace, not all at once),
	// leaving the platform's own small burst allowance to absorb the
	// network's jitter.
	TenantRate  float64
	TenantBurst int
	HTTPClient  *http.Client
	// NoToken sends requests without the bot's token: development against
	// a local Bot Framework client only (see Options.SkipAuth).
	NoToken bool
}

// Client is a Bot Framework connector client: it opens 1:1 chats, sends
// and updates activities, paced per conversation and per tenant.
type Client struct {
	tokens *tokenCache // nil: no token is sent (development mode)
	http   *http.Client
	tenant *rate.Limiter

	mu        sync.Mutex
	trusted   map[string]bool
	convs     map[string]*rate.Limiter
	notBefore time.Time // a Retry-After in force: no request before it
	lastSend  time.Time // when the gate last let a request go
	spacing   time.Duration
}

// Per-conversation pace: Teams allows a bot 7 messages a second, 8 in two,
// 60 in 30 and 1,800 an hour in one conversation. Half a message a second
// with a burst of 7 keeps within all four.
const (
	convEvery = 2 * time.Second
	convBurst = 7
)

// paceShare is the share of the tenant's limit the client uses.
const paceShare = 0.99

const botFrameworkScope = "https://api.botframework.com/.default"

// NewClient returns a client. It makes no request: Check does.
func NewClient(o ClientOptions) (*Client, error) {
	if !o.NoToken && (o.AppID == "" || o.TenantID == "") {
		return nil, errors.New("teams: app id and tenant id are required")
	}
	if !o.NoToken && o.AppPassword == "" {
		return nil, errors.New("teams: no client secret (set MICROSOFT_APP_PASSWORD or msteams.app_password_file)")
	}
	if o.Authority == "" {
		o.Authority = LoginAuthority
	}
	if o.TenantRate <= 0 {
		o.TenantRate = 50
	}
	if o.TenantBurst <= 0 {
		o.TenantBurst = 1
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	cc := &clientcredentials.Config{
		ClientID: o.AppID, ClientSecret: o.AppPassword,
		TokenURL:  strings.TrimSuffix(o.Authority, "/") + "/" + url.PathEscape(o.TenantID) + "/oauth2/v2.0/token",
		Scopes:    []string{botFrameworkScope},
		AuthStyle: oauth2.AuthStyleInParams,
	}
	tctx := context.WithValue(context.Background(), oauth2.HTTPClient, o.HTTPClient)
	c := &Client{
		tokens:  &tokenCache{src: fetcher{cc, tctx}},
		http:    nil, // set below: the gate wraps the caller's transport
		tenant:  rate.NewLimiter(rate.Limit(o.TenantRate*paceShare), o.TenantBurst),
		spacing: time.Duration(float64(time.Second) / (o.TenantRate * paceShare) / float64(2*o.TenantBurst)),
		trusted: map[string]bool{},
		convs:   map[string]*rate.Limiter{},
	}
	if o.NoToken {
		c.tokens = nil
	}
	hc := *o.HTTPClient
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &gate{c: c, base: base}
	c.http = &hc
	for _, s := range o.AllowedServiceURLs {
		n, err := normalServiceURL(s)
		if err != nil {
			return nil, fmt.Errorf("teams: allowed service URL: %w", err)
		}
		c.trusted[n] = true
	}
	return c, nil
}

// fetcher asks for a new token each time; tokenCache keeps it.
type fetcher struct {
	cc  *clientcredentials.Config
	ctx context.Context
}

func (f fetcher) Token() (*oauth2.Token, error) { return f.cc.Token(f.ctx) }

// Check gets a token, so a wrong secret or app id shows at start.
func (c *Client) Check() error {
	if c.tokens == nil {
		return nil
	}
	if _, err := c.tokens.Token(); err != nil {
		return fmt.Errorf("teams: the bot's token request was refused: %w", err)
	}
	return nil
}

// Trust allows the bot's token to go to a service URL: one that arrived in
// an authenticated activity (or a reference stored from one).
func (c *Client) Trust(serviceURL string) {
	if n, err := normalServiceURL(serviceURL); err == nil {
		c.mu.Lock()
		c.trusted[n] = true
		c.mu.Unlock()
	}
}

func (c *Client) isTrusted(serviceURL string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trusted[serviceURL]
}

// OpenConversation opens (or finds) the 1:1 chat with a user.
func (c *Client) OpenConversation(ctx context.Context, serviceURL, tenantID, userID string) (string, error) {
	body := map[string]any{"isGroup": false, "tenantId": tenantID, "members": []map[string]string{{"id": userID}},
		"channelData": map[string]any{"tenant": map[string]string{"id": tenantID}}}
	var out struct{ ID string }
	if err := c.do(ctx, http.MethodPost, serviceURL, "v3/conversations", "", body, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("teams: conversation opened without an id")
	}
	return out.ID, nil
}

// SendActivity posts an activity to a conversation and returns its id.
func (c *Client) SendActivity(ctx context.Context, serviceURL, convID string, act *Activity) (string, error) {
	var out struct{ ID string }
	p := "v3/conversations/" + url.PathEscape(convID) + "/activities"
	if err := c.do(ctx, http.MethodPost, serviceURL, p, convID, act, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// UpdateActivity replaces an activity in place (a card once answered).
func (c *Client) UpdateActivity(ctx context.Context, serviceURL, convID, activityID string, act *Activity) error {
	p := "v3/conversations/" + url.PathEscape(convID) + "/activities/" + url.PathEscape(activityID)
	return c.do(ctx, http.MethodPut, serviceURL, p, convID, act, nil)
}

// do makes one paced request and reads its answer into out. Its errors are
// the engine's kinds (see converse.Chat).
func (c *Client) do(ctx context.Context, method, serviceURL, path, convID string, body, out any) error {
	if !c.isTrusted(serviceURL) {
		return converse.Permanent("service URL not trusted", fmt.Errorf("teams: %s arrived in no authenticated activity and is not allowed", serviceURL))
	}
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return converse.Permanent("message cannot be encoded", err)
		}
	}
	// A 429 took no effect: the request waits out Retry-After (wait holds
	// every request to the tenant until then) and goes again, a few times,
	// before the engine is told to reschedule it. A 401 took no effect
	// either: the token was refused before it expired (a rotated secret,
	// revoked tokens), so the request goes again once with a new one.
	refreshed := false
	for throttled := 0; ; {
		err := c.once(ctx, method, serviceURL, path, convID, b, out)
		var ra *converse.RetryAfterError
		var refused *tokenRefusedError
		switch {
		case errors.As(err, &refused) && !refreshed:
			c.tokens.refused(refused.token)
			refreshed = true
		case errors.As(err, &ra):
			if throttled++; throttled == maxThrottled {
				return err
			}
		default:
			return err
		}
	}
}

// maxThrottled is how many times one call is tried while Teams answers
// 429.
const maxThrottled = 3

func (c *Client) once(ctx context.Context, method, serviceURL, path, convID string, body []byte, out any) error {
	if err := c.wait(ctx, convID); err != nil {
		return converse.NotSent(err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, serviceURL+path, rd)
	if err != nil {
		return converse.Permanent("bad request", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	token := ""
	if c.tokens != nil {
		tok, err := c.tokens.Token()
		if err != nil {
			return converse.NotSent(fmt.Errorf("teams: token: %w", err))
		}
		token = tok.AccessToken
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if errors.Is(err, errHeld) {
		return converse.NotSent(err)
	}
	if err != nil {
		// The request may have reached Teams and taken effect.
		return converse.Unknown(fmt.Errorf("teams: %s %s: %w", method, path, err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return converse.Unknown(fmt.Errorf("teams: %s answer: %w", path, err))
			}
		}
		return nil
	}
	err = c.failure(method, resp, data)
	if resp.StatusCode == http.StatusUnauthorized && token != "" {
		return &tokenRefusedError{token: token, err: err}
	}
	return err
}

// failure turns an error answer into the engine's kinds.
func (c *Client) failure(method string, resp *http.Response, data []byte) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(data, &e)
	err := fmt.Errorf("teams: %s: %s %s", resp.Status, e.Error.Code, e.Error.Message)
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		return &converse.RetryAfterError{After: retryAfter(resp.Header.Get("Retry-After")), Err: err}
	case s == http.StatusForbidden:
		return converse.Permanent("app not installed for this user (or the bot was removed)", err)
	case s == http.StatusNotFound:
		return converse.Permanent("conversation not found", err)
	case s == http.StatusBadRequest || s == http.StatusRequestEntityTooLarge:
		return converse.Permanent("Teams refused the message", err)
	case s == http.StatusUnauthorized:
		return err // the token refused: do asks for a new one, once
	case s >= 500 && method == http.MethodPost:
		return converse.Unknown(err) // Teams may have stored the message before failing
	}
	return err // 412, 5xx on an update: try again later, with backoff
}

// Member reads a conversation member's profile: its email (or user
// principal name) and AAD object id, to match them to the roster.
func (c *Client) Member(ctx context.Context, serviceURL, convID, userID string) (email, aad string, err error) {
	var out struct {
		Email             string `json:"email"`
		UserPrincipalName string `json:"userPrincipalName"`
		AADObjectID       string `json:"aadObjectId"`
	}
	p := "v3/conversations/" + url.PathEscape(convID) + "/members/" + url.PathEscape(userID)
	if err := c.do(ctx, http.MethodGet, serviceURL, p, "", nil, &out); err != nil {
		return "", "", err
	}
	if out.Email == "" {
		out.Email = out.UserPrincipalName
	}
	return out.Email, out.AADObjectID, nil
}
