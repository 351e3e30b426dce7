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

	"github.com/nudgebot/nudgebot/bot"
)

// Slack's pace for chat.postMessage: about one message a second per
// channel, short bursts allowed; the workspace as a whole has its own cap
// (Options.WorkspaceRate).
const (
	channelRate  = rate.Limit(1)
	channelBurst = 3
	// bareRetryAfter is the wait assumed when Slack answers 429 without a
	// Retry-After header (slack-go then returns a StatusCodeError).
	bareRetryAfter = 3 * time.Second
	// minRetryAfter keeps a "Retry-After: 0" from turning into a tight loop.
	minRetryAfter = time.Second
)

// pacer keeps Web API calls within Slack's limits: token buckets pace
// messages before Slack complains, and per-method holds honour Slack's
// Retry-After when it does.
type pacer struct {
	mu        sync.Mutex
	notBefore map[string]time.Time     // method → no call before
	channels  map[string]*rate.Limiter // channel id → its message pace
	workspace *rate.Limiter
}

func newPacer(perSecond float64) *pacer {
	burst := max(channelBurst, int(perSecond))
	return &pacer{
		notBefore: map[string]time.Time{},
		channels:  map[string]*rate.Limiter{},
		workspace: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// errHeld says a call could not wait out Slack's Retry-After within the
// caller's deadline.
var errHeld = errors.New("slack asked us to wait longer than the deadline allows")

// wait blocks until method may be called again. It re-reads the hold after
// each wait, because another goroutine's 429 may have extended it. A
// caller whose deadline ends before the hold does is told at once, with the
// time left, instead of waiting for nothing.
func (p *pacer) wait(ctx context.Context, method string) error {
	for {
		p.mu.Lock()
		until := p.notBefore[method]
		p.mu.Unlock()
		d := time.Until(until)
		if d <= 0 {
			return ctx.Err()
		}
		if dl, ok := ctx.Deadline(); ok && dl.Before(until) {
			return &bot.RetryAfterError{After: d, Err: errHeld}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// hold stops calls to method for d from now (never shortening a hold).
func (p *pacer) hold(method string, d time.Duration) {
	until := time.Now().Add(d)
	p.mu.Lock()
	if until.After(p.notBefore[method]) {
		p.notBefore[method] = until
	}
	p.mu.Unlock()
}

// message waits for a slot to post in channel: the channel's own pace,
// then the workspace's.
func (p *pacer) message(ctx context.Context, channel string) error {
	p.mu.Lock()
	l := p.channels[channel]
	if l == nil {
		l = rate.NewLimiter(channelRate, channelBurst)
		p.channels[channel] = l
	}
	p.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
		return err
	}
	return p.workspace.Wait(ctx)
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

// holdTransport enforces the pacer's holds at the last moment: right before
// a request goes on the wire, and from the instant a 429 comes back (before
// slack-go has even parsed it). Checking only before slack-go builds a
// request let posts already in preparation slip out after Slack had asked
// us to stop.
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
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		d := bareRetryAfter
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			d = max(time.Duration(s)*time.Second, minRetryAfter)
		}
		t.pace.hold(method, d)
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
