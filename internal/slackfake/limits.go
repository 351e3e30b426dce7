package slackfake

import (
	"math"
	"time"
)

// Rate is a token bucket: PerSecond tokens a second, at most Burst held
// (at least 1). A zero PerSecond means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// PerMinute is n calls a minute with bursts of burst.
func PerMinute(n float64, burst int) Rate { return Rate{PerSecond: n / 60, Burst: burst} }

// Limits are the buckets a Server holds its callers to. A method's call
// must find a token in every bucket that applies to it; none is taken
// unless all have one.
//
//   - chat.postMessage: Channel (per channel: a user id counts as the
//     user's DM channel) and Workspace (across the workspace);
//   - chat.update: Channel per channel, and its tier across the workspace;
//   - every other method: its tier's bucket across the workspace (see
//     MethodTier), or Methods[method] when set.
type Limits struct {
	Channel   Rate
	Workspace Rate
	Tiers     [5]Rate         // Tiers[1] … Tiers[4]; Tiers[0] is unused
	Methods   map[string]Rate // overrides a method's tier
}

// Slack returns Slack's published limits with bursts of burst: one
// message a second per channel, perSecond across the workspace, and the
// Web API tiers (1: 1/min, 2: 20/min, 3: 50/min, 4: 100/min).
func Slack(perSecond float64, burst int) Limits {
	return Limits{
		Channel:   Rate{1, burst},
		Workspace: Rate{perSecond, burst},
		Tiers:     [5]Rate{{}, PerMinute(1, burst), PerMinute(20, burst), PerMinute(50, burst), PerMinute(100, burst)},
	}
}

// MethodTier is the Web API tier of the methods the fake serves; 0 means
// the method has no tier limit of its own (chat.postMessage is limited
// per channel and workspace, auth.test is not limited).
var MethodTier = map[string]int{
	"chat.update":           3,
	"chat.postEphemeral":    4,
	"conversations.history": 3,
	"conversations.open":    3,
	"users.lookupByEmail":   3,
	"users.list":            2,
	"users.conversations":   3,
	"users.info":            4,
	"views.open":            4,
	"views.publish":         4,
	"views.update":          4,
	"views.push":            4,
}

// scope is what a limit applies to: a method across the workspace
// (channel ""), or a method in one channel.
type scope struct{ method, channel string }

func (s scope) String() string {
	if s.channel == "" {
		return s.method
	}
	return s.method + " in " + s.channel
}

// bucket is a token bucket, full when created.
type bucket struct {
	rate   Rate
	tokens float64
	last   time.Time
}

// wait refills the bucket to now and returns how long until it holds a
// token (0: it has one).
func (b *bucket) wait(now time.Time) time.Duration {
	if now.After(b.last) {
		b.tokens = math.Min(float64(max(b.rate.Burst, 1)), b.tokens+now.Sub(b.last).Seconds()*b.rate.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate.PerSecond * float64(time.Second))
}

// limit is a bucket that applies to a call.
type limit struct {
	scope scope
	rate  Rate
}

// limitsOf lists the buckets a call to method in channel must pass.
func (f *Server) limitsOf(method, channel string) []limit {
	l := f.opt.Limits
	var out []limit
	add := func(s scope, r Rate) {
		if r.PerSecond > 0 {
			out = append(out, limit{s, r})
		}
	}
	if method == "chat.postMessage" || method == "chat.update" {
		add(scope{method, channel}, l.Channel)
	}
	switch r, ok := l.Methods[method]; {
	case ok:
		add(scope{method, ""}, r)
	case method == "chat.postMessage":
		add(scope{method, ""}, l.Workspace)
	case MethodTier[method] > 0:
		add(scope{method, ""}, l.Tiers[MethodTier[method]])
	}
	return out
}

// admit decides whether req may go ahead now: it returns 0 and takes a
// token from each of its buckets, or the Retry-After in whole seconds
// (rounded up, at least 1) and records the 429. A scope that announced a
// Retry-After keeps answering 429 until it has passed, whatever its bucket
// holds. injected answers 429 regardless (a fault), announcing one second
// (or the fault's RetryAfter) for the method across the workspace.
func (f *Server) admit(req *Request, now time.Time, injected bool) int {
	limits := f.limitsOf(req.Method, req.Channel)
	var refused []scope
	var longest time.Duration
	refuse := func(s scope, d time.Duration) {
		refused = append(refused, s)
		longest = max(longest, d)
	}
	if injected {
		refuse(scope{req.Method, ""}, max(f.faultFor(req.Method).RetryAfter, time.Second))
	}
	for _, l := range limits {
		if g, ok := f.gates[l.scope]; ok && now.Before(g) {
			refuse(l.scope, g.Sub(now))
		}
	}
	if len(refused) == 0 {
		for _, l := range limits {
			if d := f.bucket(l, now).wait(now); d > 0 {
				refuse(l.scope, d)
			}
		}
	}
	if len(refused) == 0 {
		for _, l := range limits {
			f.buckets[l.scope].tokens--
		}
		return 0
	}
	retry := max(1, int(math.Ceil(longest.Seconds())))
	notBefore := now.Add(time.Duration(retry) * time.Second)
	req.Seq = len(f.requests) // the seq ServeHTTP gives it
	for _, s := range refused {
		if notBefore.After(f.gates[s]) {
			f.gates[s] = notBefore
		}
		f.answers[req.Seq] = append(f.answers[req.Seq], len(f.limited))
		f.limited = append(f.limited, RateLimit{
			Request: req.Seq, Method: s.method, Channel: s.channel, Injected: injected,
			Written: now, RetryAfter: time.Duration(retry) * time.Second, NotBefore: notBefore,
		})
	}
	return retry
}

func (f *Server) bucket(l limit, now time.Time) *bucket {
	b := f.buckets[l.scope]
	if b == nil {
		b = &bucket{rate: l.rate, tokens: float64(max(l.rate.Burst, 1)), last: now}
		f.buckets[l.scope] = b
	}
	return b
}
