package slack

import (
	"context"
	"errors"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// Slack's limits. chat.postMessage: about one message a second per
// channel, and the workspace as a whole has its own cap
// (Options.WorkspaceRate). Other methods belong to tiers, counted per
// method across the workspace.
const (
	channelRate = rate.Limit(1)
	// bareRetryAfter is the wait assumed when Slack answers 429 without a
	// Retry-After header (slack-go then returns a StatusCodeError).
	bareRetryAfter = 3 * time.Second
	// minRetryAfter keeps a "Retry-After: 0" from turning into a tight loop.
	minRetryAfter = time.Second
	// headroom is the share of a documented limit the pacer aims at: Slack
	// counts arrivals, and requests spaced exactly at the limit arrive
	// bunched by the network's jitter.
	headroom = 0.95
)

// tiers are the Web API methods the bot calls in bulk, paced at their
// tier's documented calls per minute (Slack allows "at least" that many).
// Calls a person waits for (views.open within its trigger's 3 seconds,
// users.info behind a click, an ephemeral answer) are not paced ahead:
// they are few, and Slack's tiers allow them in bursts; a 429 still holds
// them.
var tiers = map[string]float64{
	"users.list":            20,
	"users.conversations":   50,
	"conversations.history": 50, "conversations.open": 50, "users.lookupByEmail": 50, "chat.update": 50,
}

// pacer keeps Web API calls within Slack's limits. Each limit is a smooth
// pace (no bursts: Slack's buckets allow only small ones) that every worker
// shares. The message paces (per channel, per workspace) slow down when
// Slack answers 429 and recover gradually as calls go through (see aimd):
// the workspace's rate is configured, and at bursts of one the network's
// jitter alone can cross it. A tier's pace does not: Slack documents each
// tier as a minimum it allows, the pace keeps under it, so a 429 there is
// a bad moment of Slack's, waited out through its Retry-After; slowing
// down for it as well sank a method answered 429 one time in ten to a
// tenth of its tier, one history read every 12 s. Per-method holds honour Slack's
// Retry-After: no call to a method goes out before its hold is over.
type pacer struct {
	mu        sync.Mutex
	notBefore map[string]time.Time // method → no call before
	channels  map[string]*aimd     // channel id → its message pace
	methods   map[string]*aimd     // tiered method → its pace
	workspace *aimd                // chat.postMessage across the workspace
}

func newPacer(perSecond float64) *pacer {
	p := &pacer{
		notBefore: map[string]time.Time{},
		channels:  map[string]*aimd{},
		methods:   map[string]*aimd{},
		workspace: newAIMD(rate.Limit(perSecond*headroom), floorShare),
	}
	for m, perMinute := range tiers {
		p.methods[m] = newAIMD(rate.Limit(perMinute*headroom/60), 1)
	}
	return p
}

// errHeld says a call could not wait out Slack's Retry-After within the
// caller's deadline.
var errHeld = errors.New("slack asked us to wait longer than the deadline allows")

// errStopping: the bot is shutting down, and a call that has not started
// is left for the next start.
var errStopping = errors.New("shutting down before its turn came")

// wait blocks until method may be called again: its hold is over and, for
// a tiered method, its pace allows. A call that had to wait out a hold
// takes its pace again afterwards (for chat.postMessage, the workspace's):
// otherwise every call held back by one 429 would go out in the same
// instant the hold ends, straight into the next 429. A caller whose
// deadline ends before the hold does is told at once, with the time left,
// instead of waiting for nothing.
func (p *pacer) wait(ctx context.Context, method string) error {
	b := p.methods[method]
	for {
		waited, err := p.holdOver(ctx, method)
		if err != nil {
			return err
		}
		pace := b
		if waited && pace == nil {
			pace = p.bucket(method)
		}
		if pace == nil {
			return nil
		}
		if err := pace.wait(ctx); err != nil {
			return err
		}
		if p.until(method).IsZero() {
			return nil
		}
		b = nil // held again meanwhile: wait it out, then re-space
	}
}

// held waits until method's hold is over (see wait).
func (p *pacer) held(ctx context.Context, method string) error {
	_, err := p.holdOver(ctx, method)
	return err
}

// holdOver waits until method's hold is over, re-reading it after each
// wait (another goroutine's 429 may have extended it); waited says whether
// there was a hold to wait out.
func (p *pacer) holdOver(ctx context.Context, method string) (waited bool, err error) {
	for {
		until := p.until(method)
		if until.IsZero() {
			return waited, ctx.Err()
		}
		if dl, ok := ctx.Deadline(); ok && dl.Before(until) {
			return waited, &converse.RetryAfterError{After: time.Until(until), Err: errHeld}
		}
		if err := sleep(ctx, time.Until(until)); err != nil {
			return waited, err
		}
		waited = true
	}
}

// until is when method's hold ends, or zero when it is not held.
func (p *pacer) until(method string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.notBefore[method]; time.Until(t) > 0 {
		return t
	}
	return time.Time{}
}

// sleep waits d, or until ctx ends or the bot stops (then the call was
// never made: NotSent).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-converse.Stopping(ctx):
		return converse.NotSent(errStopping)
	case <-t.C:
		return nil
	}
}

// hold stops calls to method for d from now (never shortening a hold), and
// slows the method's pace: once for each hold, however many calls the 429
// that started it caught in flight.
func (p *pacer) hold(method string, d time.Duration) {
	now := time.Now()
	until := now.Add(d)
	p.mu.Lock()
	prev := p.notBefore[method]
	if until.After(prev) {
		p.notBefore[method] = until
	}
	p.mu.Unlock()
	if b := p.bucket(method); b != nil && !prev.After(now) {
		b.slow()
	}
}

// passed tells the method's pace that a call went through.
func (p *pacer) passed(method string) {
	if b := p.bucket(method); b != nil {
		b.recover()
	}
}

func (p *pacer) bucket(method string) *aimd {
	if method == "chat.postMessage" {
		return p.workspace
	}
	return p.methods[method]
}

// message waits for a slot to post in channel: the channel's own pace,
// then the workspace's.
func (p *pacer) message(ctx context.Context, channel string) error {
	if err := p.channel(ctx, channel); err != nil {
		return err
	}
	return p.workspace.wait(ctx)
}

// channel waits for the channel's own pace alone: an update of a message
// (chat.update) counts against its channel and its tier, not against the
// workspace's posts.
func (p *pacer) channel(ctx context.Context, channel string) error {
	p.mu.Lock()
	l := p.channels[channel]
	if l == nil {
		l = newAIMD(channelRate, floorShare)
		p.channels[channel] = l
	}
	p.mu.Unlock()
	return l.wait(ctx)
}

// Capacity is how many messages the workspace's pace lets out in d now
// (converse.Pacer): the engine claims no more than that ahead of sending.
func (p *pacer) capacity(d time.Duration) int {
	return int(float64(p.workspace.limit()) * d.Seconds())
}

// retryAfter reports whether err is Slack asking us to slow down, and for
// how long.
func retryAfter(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, minRetryAfter), true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return bareRetryAfter, true
	}
	if code := slackCode(err); code == "ratelimited" || code == "rate_limited" {
		return bareRetryAfter, true
	}
	return 0, false
}

// slackCode is the error code of an ok:false answer ("channel_not_found"),
// or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// holdTransport enforces the pacer at the last moment: right before a
// request goes on the wire (the method's hold and, for tiered methods, its
// pace), and from the instant a 429 comes back (before slack-go has even
// parsed it). Checking only before slack-go builds a request let posts
// already in preparation slip out after Slack had asked us to stop.
type holdTransport struct {
	base http.RoundTripper
	pace *pacer
}

func (t *holdTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := path.Base(req.URL.Path)
	if err := t.pace.wait(req.Context(), method); err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	switch {
	case err != nil:
	case resp.StatusCode == http.StatusTooManyRequests:
		d := bareRetryAfter
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			d = max(time.Duration(s)*time.Second, minRetryAfter)
		}
		t.pace.hold(method, d)
	case resp.StatusCode < 300:
		t.pace.passed(method)
	}
	return resp, err
}

// defaultTransport keeps a connection per delivery worker alive: Go's
// default keeps two per host, and every other worker would pay a new TLS
// handshake for each message.
func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

// Capacity is how many messages the workspace's pace lets out in d now
// (converse.Pacer).
func (a *Adapter) Capacity(d time.Duration) int { return a.pace.capacity(d) }
