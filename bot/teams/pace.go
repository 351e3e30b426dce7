package teams

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// retryAfter reads a Retry-After header: seconds or an HTTP date; one
// second when absent or unreadable, at most ten minutes.
func retryAfter(h string) time.Duration { return retryAfterAt(h, time.Now()) }

// retryAfterAt reads a Retry-After header received at now.
func retryAfterAt(h string, now time.Time) time.Duration {
	d := time.Second
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, time.Second), 10*time.Minute)
}

// wait holds a request until the tenant's and the conversation's pace, and
// any Retry-After in force, let it go. It gives up when ctx ends or the bot
// is stopping: the message is then not sent at all.
func (c *Client) wait(ctx context.Context, convID string) error {
	for {
		c.mu.Lock()
		hold := time.Until(c.notBefore)
		cl := c.convs[convID]
		if cl == nil && convID != "" {
			cl = rate.NewLimiter(rate.Every(convEvery), convBurst)
			c.convs[convID] = cl
		}
		c.mu.Unlock()
		if hold <= 0 {
			now := time.Now()
			r := c.tenant.ReserveN(now, 1)
			hold = r.DelayFrom(now)
			if cl != nil {
				rc := cl.ReserveN(now, 1)
				hold = max(hold, rc.DelayFrom(now))
			}
			if hold <= 0 {
				return nil
			}
			if err := sleep(ctx, hold); err != nil {
				return err
			}
			c.mu.Lock()
			clear := !time.Now().Before(c.notBefore)
			c.mu.Unlock()
			if clear {
				return nil
			}
			continue // a 429 arrived meanwhile: its wait comes first
		}
		if err := sleep(ctx, hold); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-converse.Stopping(ctx):
		return errors.New("bot stopping")
	}
}

// Capacity is how many messages the tenant's pace lets out in d (converse.Pacer).
func (c *Client) Capacity(d time.Duration) int {
	return max(1, int(float64(c.tenant.Limit())*d.Seconds()))
}

// jitter spreads retries of many callers: a wait between d/2 and d.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// gate is the last step before the wire: no connector request leaves
// while a Retry-After is in force, and a 429 sets it the moment it is
// read, before any other request can pass. It also keeps requests at
// least half the tenant's interval apart as they leave. (wait does the pacing; the
// gate closes the gap between a 429 arriving and its caller reading it.)
type gate struct {
	c    *Client
	base http.RoundTripper
}

// errHeld is a request the gate held until its context ended: it was
// never sent.
var errHeld = errors.New("teams: held for Retry-After until the request was given up")

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	c := g.c
	c.mu.Lock()
	for {
		now := time.Now()
		hold := max(c.notBefore.Sub(now), c.lastSend.Add(c.spacing).Sub(now))
		if hold <= 0 {
			c.lastSend = now
			break
		}
		c.mu.Unlock()
		if sleep(req.Context(), hold) != nil {
			return nil, errHeld
		}
		c.mu.Lock()
	}
	c.mu.Unlock()
	resp, err := g.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		nb := time.Now().Add(retryAfter(resp.Header.Get("Retry-After")))
		c.mu.Lock()
		if nb.After(c.notBefore) {
			c.notBefore = nb
		}
		c.mu.Unlock()
	}
	return resp, err
}
