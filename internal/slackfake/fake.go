// Package slackfake is a fake Slack Web API for tests and benchmarks: a
// loopback HTTP server that answers what slack-go sends for the methods
// nudgebot uses, holds its callers to Slack-like rate limits (token
// buckets per channel, per workspace and per method tier, answered with
// 429 and Retry-After), injects Slack's faults on a seeded schedule (5xx
// before or after a call took effect, extra 429s, slow answers), and keeps
// the books a delivery benchmark needs: how many messages carry each
// nudge id, every request and every 429, and the requests a client sent
// while it had been told to wait.
//
// It is the instrument that measures delivery, so it is deliberately
// strict: it keeps to every Retry-After it announced, and it never
// forgets a message it stored, even one it answered with a 503.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is the bot token a Server accepts when Options.Token is empty.
const Token = "xoxb-slackfake-token"

// Options configure a Server. The zero value is a Slack without limits or
// faults that accepts Token.
type Options struct {
	Token  string // the only bot token accepted (form "token" or Authorization: Bearer)
	Users  []User // the workspace's people; more with AddUser
	Limits Limits // zero: no limits
	Faults Faults // zero: no faults
	// NudgeKey is the key of message metadata's event_payload that names
	// a nudge (default "nudge_id"); messages are counted per its value.
	NudgeKey string
	// Now is the server's clock (default time.Now). Unit tests pass a
	// clock they move by hand, so buckets refill only when told to.
	Now func() time.Time
}

// User is a member of the fake workspace. Its DM channel with the bot is
// "D" followed by the id without its first letter.
type User struct {
	ID, Name, Email string
	TZ              string // IANA zone, users.info's tz
	IsBot           bool
}

// Metadata is a message's metadata as Slack stores it.
type Metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// Message is a message stored in a channel.
type Message struct {
	Channel, TS, Text string
	Blocks            json.RawMessage
	Metadata          *Metadata
	Nudge             string // Metadata's nudge id, or ""
	Updates           int    // chat.update calls that changed it
}

// Server is a fake Slack on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	opt   Options
	srv   *httptest.Server
	now   func() time.Time
	epoch time.Time // origin of the client stamps (see Transport)

	mu       sync.Mutex
	rng      *rand.Rand
	users    map[string]*User
	order    []string          // user ids in the order added (users.list)
	byEmail  map[string]string // lower-cased email → user id
	channels map[string][]*Message
	ims      []string        // users the bot has a DM with, in the order opened (users.conversations)
	hasIM    map[string]bool // user id → in ims
	lastTS   int64           // microseconds of the latest ts handed out
	buckets  map[scope]*bucket
	gates    map[scope]time.Time // scope → announced not-before
	calls    map[string]int
	nudges   map[string]int
	messages int
	requests []Request
	limited  []RateLimit
	answers  map[int][]int // request seq → its entries in limited
}

// New starts a fake Slack; Close stops it.
func New(opt Options) *Server {
	if opt.Token == "" {
		opt.Token = Token
	}
	if opt.NudgeKey == "" {
		opt.NudgeKey = "nudge_id"
	}
	f := &Server{
		opt: opt, now: opt.Now,
		rng:      rand.New(rand.NewPCG(opt.Faults.Seed, opt.Faults.Seed^0x5eed)),
		users:    map[string]*User{},
		byEmail:  map[string]string{},
		channels: map[string][]*Message{},
		hasIM:    map[string]bool{},
		buckets:  map[scope]*bucket{},
		gates:    map[scope]time.Time{},
		calls:    map[string]int{},
		nudges:   map[string]int{},
		answers:  map[int][]int{},
	}
	if f.now == nil {
		f.now = time.Now
	}
	f.epoch = f.now()
	for _, u := range opt.Users {
		f.AddUser(u)
	}
	f.srv = httptest.NewServer(f)
	return f
}

// URL is the Web API base to give slack-go (slack.OptionAPIURL) or the
// bot's [slack] api_url.
func (f *Server) URL() string { return f.srv.URL + "/api/" }

// Close stops the server (idempotent).
func (f *Server) Close() { f.srv.Close() }

// AddUser adds a member to the workspace (replacing one with the same id).
func (f *Server) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[u.ID]; !ok {
		f.order = append(f.order, u.ID)
	}
	f.users[u.ID] = &u
	if u.Email != "" {
		f.byEmail[strings.ToLower(u.Email)] = u.ID
	}
}

// DM is the id of the direct-message channel between the bot and a user.
func DM(userID string) string {
	if len(userID) < 2 {
		return ""
	}
	return "D" + userID[1:]
}

// params are a request's arguments, from the query, a form body or the
// top level of a JSON body (non-string values as JSON text).
type params map[string]string

func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]json.RawMessage
		if len(body) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p[k] = s
			} else {
				p[k] = string(raw)
			}
		}
		return p, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	for k, v := range form {
		p[k] = v[0]
	}
	return p, nil
}

// ServeHTTP answers one Web API call: token, then limits, then the
// fault drawn for it, then the method itself.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := f.now()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	req := Request{Method: method, Received: now, Status: http.StatusOK}
	if s := r.Header.Get(HeaderSent); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			req.Sent = f.epoch.Add(time.Duration(n))
		}
	}
	p, err := readParams(r)
	h, known := handlers[method]
	f.mu.Lock()
	f.calls[method]++
	var (
		status = http.StatusOK
		body   any
		delay  time.Duration
	)
	switch {
	case err != nil:
		status, body = http.StatusBadRequest, failed("invalid_arguments")
	case !known:
		status, body = http.StatusNotFound, failed("unknown_method")
	case !f.authorized(r, p):
		body = failed("invalid_auth")
		if p["token"] == "" && r.Header.Get("Authorization") == "" {
			body = failed("not_authed")
		}
	default:
		req.Channel = f.channelOf(method, p)
		if retry := f.admit(&req, now, false); retry > 0 {
			status, body = http.StatusTooManyRequests, retry
			break
		}
		fault, slow := f.draw(method)
		req.Fault = fault
		switch fault {
		case FaultRateLimited:
			status, body = http.StatusTooManyRequests, f.admit(&req, now, true)
		case FaultBefore:
			status = http.StatusInternalServerError
		default:
			body = h(f, p, now)
			if fault == FaultAfter {
				status = http.StatusServiceUnavailable
			}
			if slow {
				delay = f.faultFor(method).Delay
				req.Fault = strings.TrimPrefix(req.Fault+"+"+FaultSlow, "+")
			}
		}
	}
	if status == http.StatusOK {
		if e, ok := body.(answer)["error"]; ok {
			req.Error = fmt.Sprint(e)
		}
	}
	req.Status = status
	req.Seq = len(f.requests)
	f.requests = append(f.requests, req)
	f.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client gave up; the call took effect all the same
		}
	}
	w.Header().Set(HeaderAnswer, strconv.Itoa(req.Seq))
	switch status {
	case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(body.(int)))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
	default: // Slack's 5xx come with an HTML page
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body>Slack is having trouble</body></html>")
	}
}

func (f *Server) authorized(r *http.Request, p params) bool {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return tok == f.opt.Token
	}
	return p["token"] == f.opt.Token
}

// channelOf is the channel a call's per-channel limit applies to: a
// message to a user goes to, and is limited as, their DM channel.
func (f *Server) channelOf(method string, p params) string {
	switch method {
	case "chat.postMessage", "chat.update":
		return f.resolve(p["channel"])
	}
	return ""
}

// resolve maps a user id to the user's DM channel, as chat.postMessage
// does; other channel ids are returned as they are.
func (f *Server) resolve(ch string) string {
	if strings.HasPrefix(ch, "U") || strings.HasPrefix(ch, "W") {
		if _, ok := f.users[ch]; ok {
			return DM(ch)
		}
		return ""
	}
	return ch
}
