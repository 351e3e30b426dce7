package slackfake

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Headers of the fake's own bookkeeping (Slack sends neither).
const (
	HeaderSent   = "X-Slackfake-Sent"   // client → fake: when the client started the request (see Transport)
	HeaderAnswer = "X-Slackfake-Answer" // fake → client: the request's Seq
)

// Request is one call as the fake saw it.
type Request struct {
	Seq             int
	Method, Channel string    // Channel: the channel a per-channel limit applies to, or ""
	Sent            time.Time // when the client started it (zero: the client did not stamp it)
	Received        time.Time
	Status          int    // HTTP status answered
	Error           string // the error code of an ok:false answer
	Fault           string // the fault injected ("", FaultBefore, …; "+slow" appended when slow)
}

// SentAt is when the request was sent: the client's stamp, or, without
// one, when it was received.
func (r Request) SentAt() time.Time {
	if r.Sent.IsZero() {
		return r.Received
	}
	return r.Sent
}

// RateLimit is a 429 the fake answered for one scope (a response refused
// by two buckets yields two, with the same Request).
type RateLimit struct {
	Request         int    // the Seq of the request answered 429
	Method, Channel string // the scope: Channel "" is the method across the workspace
	Injected        bool   // a fault, not a full bucket
	Written         time.Time
	RetryAfter      time.Duration // as announced, in whole seconds
	NotBefore       time.Time     // Written + RetryAfter: the scope answers 429 until then
	Received        time.Time     // when the client's Transport had the answer (zero: not seen)
}

// ReceivedAt is when the client knew of the 429: as its Transport noted,
// or, without one, when the fake wrote it.
func (l RateLimit) ReceivedAt() time.Time {
	if l.Received.IsZero() {
		return l.Written
	}
	return l.Received
}

// Transport wraps base (http.DefaultTransport when nil) for a client of
// this fake in the same process: it stamps each request with the time it
// was started (HeaderSent) and notes when each 429 reached the client, so
// Violations judges each request by what the client knew when it sent it.
func (f *Server) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &stamper{f: f, base: base}
}

type stamper struct {
	f    *Server
	base http.RoundTripper
}

func (s *stamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(HeaderSent, strconv.FormatInt(int64(s.f.now().Sub(s.f.epoch)), 10))
	resp, err := s.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		if seq, e := strconv.Atoi(resp.Header.Get(HeaderAnswer)); e == nil {
			s.f.received(seq, s.f.now())
		}
	}
	return resp, err
}

func (f *Server) received(seq int, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, i := range f.answers[seq] {
		f.limited[i].Received = at
	}
}

// Counts are the fake's running totals, cheap to read while a scenario runs.
type Counts struct {
	Requests, Messages, Nudges int // Nudges: distinct nudge ids posted
}

// Counts returns the running totals.
func (f *Server) Counts() Counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return Counts{Requests: len(f.requests), Messages: f.messages, Nudges: len(f.nudges)}
}

// Messages returns a copy of a channel's messages, oldest first.
func (f *Server) Messages(channel string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Message, 0, len(f.channels[channel]))
	for _, m := range f.channels[channel] {
		out = append(out, *m)
	}
	return out
}

// Snapshot is a copy of the fake's books.
type Snapshot struct {
	Calls      map[string]int // method → calls (any answer)
	Nudges     map[string]int // nudge id → messages carrying it
	Messages   int            // messages stored
	Requests   []Request
	RateLimits []RateLimit
}

// Snapshot copies the books.
func (f *Server) Snapshot() Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return Snapshot{
		Calls: maps.Clone(f.calls), Nudges: maps.Clone(f.nudges), Messages: f.messages,
		Requests: slices.Clone(f.requests), RateLimits: slices.Clone(f.limited),
	}
}

// Limited is the number of requests answered 429 (by a bucket or a fault).
func (s Snapshot) Limited() int {
	n := 0
	for _, r := range s.Requests {
		if r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// Tally compares the messages posted with the nudges expected.
type Tally struct {
	Expected   int // nudge ids given
	Delivered  int // of those, posted at least once
	Lost       int // of those, never posted
	Duplicated int // of those, posted more than once
	Extra      int // messages beyond the first for a nudge (given or not)
	Unknown    int // nudge ids posted that were not expected
}

// Tally counts the expected nudges ids posted once, never, or more.
func (s Snapshot) Tally(ids []string) Tally {
	t := Tally{Expected: len(ids)}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
		switch n := s.Nudges[id]; {
		case n == 0:
			t.Lost++
		case n > 1:
			t.Duplicated++
			fallthrough
		default:
			t.Delivered++
		}
	}
	for id, n := range s.Nudges {
		t.Extra += n - 1
		if !want[id] {
			t.Unknown++
		}
	}
	return t
}

// Violation is a request sent while the client knew it should wait: of
// the scope of a 429 (the same method; in the same channel for a
// per-channel one), sent after the client received that 429 and before
// its Retry-After elapsed (NotBefore, counted from when the fake
// wrote it). A request already on its way when the 429 reached the client
// (or that the fake answered before the 429) is not a violation. Without Transport's stamps, sent means received by
// the fake and received means written, which can only count more.
type Violation struct {
	Request   Request
	RateLimit RateLimit
	Early     time.Duration // how long before NotBefore it was sent
}

// Violations lists the requests sent against a Retry-After the client
// had received, each judged against the latest-ending such 429.
func (s Snapshot) Violations() []Violation {
	type told struct {
		at     []time.Time // ReceivedAt, sorted
		latest []int       // index of the latest NotBefore among at[:i+1]
		limits []RateLimit
	}
	byScope := map[scope]*told{}
	for _, l := range s.RateLimits {
		k := scope{l.Method, l.Channel}
		if byScope[k] == nil {
			byScope[k] = &told{}
		}
		byScope[k].limits = append(byScope[k].limits, l)
	}
	for _, t := range byScope {
		sort.Slice(t.limits, func(i, j int) bool { return t.limits[i].ReceivedAt().Before(t.limits[j].ReceivedAt()) })
		for i, l := range t.limits {
			t.at = append(t.at, l.ReceivedAt())
			best := i
			if i > 0 && !l.NotBefore.After(t.limits[t.latest[i-1]].NotBefore) {
				best = t.latest[i-1]
			}
			t.latest = append(t.latest, best)
		}
	}
	var out []Violation
	for _, r := range s.Requests {
		sent := r.SentAt()
		scopes := []scope{{r.Method, ""}}
		if r.Channel != "" {
			scopes = append(scopes, scope{r.Method, r.Channel})
		}
		for _, k := range scopes {
			t := byScope[k]
			if t == nil {
				continue
			}
			// The 429s the client had received when it sent r.
			n := sort.Search(len(t.at), func(i int) bool { return !t.at[i].Before(sent) })
			if n == 0 {
				continue
			}
			if l := t.limits[t.latest[n-1]]; sent.Before(l.NotBefore) && r.Seq > l.Request {
				out = append(out, Violation{Request: r, RateLimit: l, Early: l.NotBefore.Sub(sent)})
				break
			}
		}
	}
	return out
}
