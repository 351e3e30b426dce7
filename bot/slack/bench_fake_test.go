package slack_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// benchEpoch is the origin of the timestamps the benchmarks' client and
// fake exchange in headers: both live in this process, so durations since
// one monotonic reading compare exactly.
var benchEpoch = time.Now()

func sinceEpoch(t time.Time) int64 { return int64(t.Sub(benchEpoch)) }
func fromEpoch(n int64) time.Time  { return benchEpoch.Add(time.Duration(n)) }

// Headers of the benchmarks' own bookkeeping (Slack sends neither).
const (
	hdrSent      = "X-Bench-Sent"       // client → fake: when the client started the request
	hdrNotBefore = "X-Bench-Not-Before" // fake → client: the exact instant a Retry-After ends
)

// benchFake is a lean fake Slack for benchmarks: slacktest's server with
// fast handlers for the methods delivery and clicks use. Unlike fakeSlack
// (fake_test.go) it keeps no copy of the messages, only what the
// benchmarks check: how many times each nudge was accepted, and, when
// asked to, every chat.postMessage request's timing.
//
// With a limit it holds chat.postMessage to limit per second across the
// workspace (a token bucket of burst tokens, full at reset) and answers
// 429 with a Retry-After (whole seconds, as Slack sends it) beyond it. It
// keeps to what it announced: until the latest announced Retry-After has
// elapsed every post gets 429 again, with the time still to wait.
type benchFake struct {
	srv *slacktest.Server
	seq atomic.Int64

	mu        sync.Mutex
	limit     float64 // posts per second; 0: no limit
	burst     float64
	tokens    float64
	last      time.Time
	gate      time.Time      // the latest not-before announced
	accepted  map[string]int // nudge id → posts answered ok
	limited   int            // posts answered 429
	record    bool
	arrivals  []arrival
	announced []announcement // 429s as written: Received is when the fake wrote it
	updates   atomic.Int64   // chat.update calls accepted
	upd       updateLimits   // chat.update's per-channel pace (bench_update_fake_test.go)
	ephemeral atomic.Int64   // chat.postEphemeral calls (a click went wrong)
	opens     atomic.Int64   // conversations.open calls (a DM not in the cache)
	delay     atomic.Int64   // how long chat.postMessage takes to answer, ns
}

// arrival is one chat.postMessage request as the fake saw it.
type arrival struct {
	At     time.Time // received
	Sent   time.Time // started by the client (zero without hdrSent)
	Gate   time.Time // the fake's latest announced not-before when it arrived
	Status int
}

func newBenchFake() *benchFake {
	f := &benchFake{accepted: map[string]int{}}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/chat.update", f.update)
		c.Handle("/response/", f.responseURL)
		c.Handle("/chat.postEphemeral", f.okChannelTS(&f.ephemeral))
		c.Handle("/conversations.open", func(w http.ResponseWriter, r *http.Request) {
			f.opens.Add(1)
			writeRaw(w, fmt.Sprintf(`{"ok":true,"channel":{"id":%q}}`, "D"+r.FormValue("users")))
		})
		c.Handle("/views.open", func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, `{"ok":true,"view":{"id":"V0VIEW","hash":"h1"}}`)
		})
	})
	f.srv.Start()
	return f
}

func (f *benchFake) close() { f.srv.Stop() }

// reset forgets what was posted and refills the bucket: limit posts per
// second (0: unlimited) with bursts of burst; record keeps every post's
// arrival.
func (f *benchFake) reset(limit, burst float64, record bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limit, f.burst, f.tokens, f.last = limit, burst, burst, time.Now()
	f.gate = time.Time{}
	f.accepted = map[string]int{}
	f.limited = 0
	f.record = record
	f.arrivals = nil
	f.announced = nil
}

// snapshot returns the accepted counts, the number of 429s and the
// recorded arrivals.
func (f *benchFake) snapshot() (map[string]int, int, []arrival) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accepted, f.limited, f.arrivals
}

// written returns the 429s the fake answered, with when it wrote each.
func (f *benchFake) written() []announcement {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]announcement(nil), f.announced...)
}

func writeRaw(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func (f *benchFake) okChannelTS(n *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeRaw(w, fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q}`, r.FormValue("channel"), r.FormValue("ts")))
	}
}

func (f *benchFake) postMessage(w http.ResponseWriter, r *http.Request) {
	if d := f.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d)) // Slack's own time to answer
	}
	now := time.Now()
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ch := r.PostForm.Get("channel")
	var meta struct {
		Payload struct {
			Nudge string `json:"nudge_id"`
		} `json:"event_payload"`
	}
	if md := r.PostForm.Get("metadata"); md != "" {
		if err := json.Unmarshal([]byte(md), &meta); err != nil {
			writeRaw(w, `{"ok":false,"error":"invalid_metadata_format"}`)
			return
		}
	}
	a := arrival{At: now, Status: http.StatusOK}
	if s := r.Header.Get(hdrSent); s != "" {
		n, _ := strconv.ParseInt(s, 10, 64)
		a.Sent = fromEpoch(n)
	}

	f.mu.Lock()
	retry := 0
	if f.limit > 0 {
		f.tokens = math.Min(f.burst, f.tokens+now.Sub(f.last).Seconds()*f.limit)
		f.last = now
		switch {
		case now.Before(f.gate):
			retry = max(1, int(math.Ceil(f.gate.Sub(now).Seconds())))
		case f.tokens < 1:
			retry = max(1, int(math.Ceil((1-f.tokens)/f.limit)))
		default:
			f.tokens--
		}
	}
	a.Gate = f.gate
	if retry > 0 {
		a.Status = http.StatusTooManyRequests
		f.limited++
		if nb := now.Add(time.Duration(retry) * time.Second); nb.After(f.gate) {
			f.gate = nb
		}
	} else {
		f.accepted[meta.Payload.Nudge]++
	}
	gate := f.gate
	if f.record {
		f.arrivals = append(f.arrivals, a)
		if retry > 0 {
			f.announced = append(f.announced, announcement{Received: now, NotBefore: gate})
		}
	}
	f.mu.Unlock()

	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		w.Header().Set(hdrNotBefore, strconv.FormatInt(sinceEpoch(gate), 10))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		return
	}
	writeRaw(w, fmt.Sprintf(`{"ok":true,"channel":%q,"ts":"1780000000.%06d"}`, ch, f.seq.Add(1)))
}

// stampTransport is the adapter's HTTP transport in the rate-limit
// benchmark: it stamps each request with when it was started, and notes
// when each 429 reached the client and the instant its Retry-After ends,
// so a request can be judged against what the client knew when it sent it.
type stampTransport struct {
	base http.RoundTripper

	mu   sync.Mutex
	told []announcement
}

// announcement is a 429 as the client received it.
type announcement struct {
	Received, NotBefore time.Time
}

func (s *stampTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(hdrSent, strconv.FormatInt(sinceEpoch(time.Now()), 10))
	resp, err := s.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		n, _ := strconv.ParseInt(resp.Header.Get(hdrNotBefore), 10, 64)
		s.mu.Lock()
		s.told = append(s.told, announcement{Received: time.Now(), NotBefore: fromEpoch(n)})
		s.mu.Unlock()
	}
	return resp, err
}

func (s *stampTransport) announcements() []announcement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]announcement(nil), s.told...)
}

// earlyPosts sorts the posts that reached the fake before a Retry-After
// it had announced was over. early counts them all, as the fake sees
// them; afterWritten those the client started after the fake wrote the
// 429 (the others were already on their way); violated those it started
// after the 429 had reached it (the client knew, and sent anyway), with the
// longest lag between knowing and sending and how far short of the
// not-before the worst one arrived.
type earlyPosts struct {
	early, afterWritten, violated int
	lag, short                    time.Duration
}

func classifyEarly(arrivals []arrival, written, received []announcement) earlyPosts {
	var r earlyPosts
	latest := func(told []announcement, before time.Time) (nb, at time.Time) {
		for _, t := range told {
			if t.Received.Before(before) && t.NotBefore.After(nb) {
				nb, at = t.NotBefore, t.Received
			}
		}
		return nb, at
	}
	for _, a := range arrivals {
		if a.At.Before(a.Gate) {
			r.early++
		}
		if nb, _ := latest(written, a.Sent); a.At.Before(nb) {
			r.afterWritten++
		}
		if nb, at := latest(received, a.Sent); a.At.Before(nb) {
			r.violated++
			r.lag = max(r.lag, a.Sent.Sub(at))
			r.short = max(r.short, nb.Sub(a.At))
		}
	}
	return r
}
