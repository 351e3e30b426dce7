package slack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// Tokens the fake accepts. Anything else is refused the way Slack refuses
// it, so tests can check what a wrong token does.
const (
	botToken = "xoxb-test-1234-secretvalue"
	appToken = "xapp-1-A0TEST-secretvalue"
)

// call is one request the fake received.
type call struct {
	Method string
	At     time.Time  // when the fake received it
	Form   url.Values // form-encoded methods
	JSON   map[string]any
	Status int // what the fake answered
}

// posted is a message in the fake workspace.
type posted struct {
	Channel, TS, Text string
	Blocks            json.RawMessage
	Metadata          *slack.SlackMetadata
	Updates           int
}

// failure is an answer the fake gives instead of the normal one.
type failure func(w http.ResponseWriter)

// fakeSlack is slacktest's server with the Web API methods nudgebot uses
// (slacktest does not serve conversations.open/history, chat.update,
// views.* or response_url, and its chat.postMessage echoes every post into
// the Socket Mode connection). It keeps the messages it is sent, so
// conversations.history answers from them, and records every call.
type fakeSlack struct {
	srv *slacktest.Server

	wsWrite sync.Mutex // serialises writes to ws

	mu       sync.Mutex
	ws       *websocket.Conn // the bot's Socket Mode connection, while it is up
	calls    []call
	changed  chan struct{} // closed and replaced on every recorded call
	messages map[string][]*posted
	seq      int
	users    map[string]string // user id → email
	zones    map[string]string // user id → IANA time zone (users.info tz)
	fails    map[string][]failure
	pageSize int // conversations.history answers at most this many a page
	now      func() time.Time
}

// newFake starts a fake Slack; now, when not nil, dates its messages.
func newFake(t *testing.T, now func() time.Time) *fakeSlack {
	t.Helper()
	f := &fakeSlack{changed: make(chan struct{}), messages: map[string][]*posted{},
		users: map[string]string{}, zones: map[string]string{}, fails: map[string][]failure{}, pageSize: 2, now: now}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for method, h := range map[string]func(w http.ResponseWriter, c call) any{
			"auth.test":             f.authTest,
			"chat.postMessage":      f.postMessage,
			"chat.update":           f.update,
			"chat.postEphemeral":    f.ok,
			"conversations.open":    f.open,
			"conversations.history": f.history,
			"users.lookupByEmail":   f.lookupByEmail,
			"users.info":            f.userInfo,
			"users.list":            f.usersList,
			"views.open":            f.view,
			"views.update":          f.view,
			"views.publish":         f.view,
			"apps.connections.open": f.connectionsOpen,
			"response":              f.ok,
		} {
			c.Handle("/"+method, f.handler(method, h))
		}
		// Registered before slacktest's own /ws, which then steps aside.
		c.Handle("/ws", f.socket)
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

// handler records a call, then answers it: with a queued failure if there
// is one, else with h's result as JSON.
func (f *fakeSlack) handler(method string, h func(w http.ResponseWriter, c call) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := call{Method: method, At: time.Now(), Status: http.StatusOK}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			_ = json.Unmarshal(body, &c.JSON)
			if c.JSON == nil {
				c.JSON = map[string]any{}
			}
			c.JSON["_auth"] = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		} else {
			c.Form, _ = url.ParseQuery(string(body))
		}
		f.mu.Lock()
		var fail failure
		if q := f.fails[method]; len(q) > 0 {
			fail, f.fails[method] = q[0], q[1:]
		}
		f.mu.Unlock()
		if fail != nil {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			fail(rec)
			c.Status = rec.status
			f.record(c)
			return
		}
		resp := h(w, c)
		f.record(c)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func (f *fakeSlack) record(c call) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

// failNext makes the next n calls of method answer with fail.
func (f *fakeSlack) failNext(method string, n int, fail failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fails[method] = append(f.fails[method], fail)
	}
}

func rateLimited(retryAfter string) failure {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(http.StatusTooManyRequests)
	}
}

func serverError(w http.ResponseWriter) {
	http.Error(w, "<html>oops</html>", http.StatusInternalServerError)
}

func slackError(code string) failure {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"ok":false,"error":%q}`, code)
	}
}

// addUser puts a person in the workspace.
func (f *fakeSlack) addUser(id, email string) {
	f.mu.Lock()
	f.users[id] = email
	f.mu.Unlock()
}

// Calls returns the recorded calls of method ("" for all).
func (f *fakeSlack) Calls(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitFor blocks until method was called n times and returns those calls.
func (f *fakeSlack) waitFor(tb testing.TB, method string, n int) []call {
	tb.Helper()
	var cs []call
	f.waitUntil(tb, fmt.Sprintf("%d %s call(s)", n, method), func() bool {
		cs = f.Calls(method)
		return len(cs) >= n
	})
	return cs
}

// waitAck blocks until the bot acknowledged the Socket Mode envelope id,
// and returns the acknowledgement.
func (f *fakeSlack) waitAck(tb testing.TB, id string) call {
	tb.Helper()
	var ack call
	f.waitUntil(tb, "the acknowledgement of "+id, func() bool {
		for _, c := range f.Calls("ack") {
			if c.JSON["envelope_id"] == id {
				ack = c
				return true
			}
		}
		return false
	})
	return ack
}

// waitUntil blocks until done holds, re-checking on every call the fake
// records. The timeout only turns a hang into a failure; nothing is timed.
func (f *fakeSlack) waitUntil(tb testing.TB, what string, done func() bool) {
	tb.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		ch := f.changed
		f.mu.Unlock()
		if done() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			tb.Fatalf("waited in vain for %s", what)
		}
	}
}

// socket serves the Socket Mode connection in place of slacktest's /ws,
// which queues envelopes for whichever connection reads them and tells
// nobody when the bot connects. This one records each connection as a
// "ws.connect" call, so envelope can wait for it, and what the bot writes
// (acknowledgements) as "ack" calls.
func (f *fakeSlack) socket(w http.ResponseWriter, r *http.Request) {
	slacktest.Websocket(func(c *websocket.Conn) {
		f.mu.Lock()
		f.ws = c
		f.mu.Unlock()
		f.record(call{Method: "ws.connect", At: time.Now()})
		defer func() {
			f.mu.Lock()
			if f.ws == c {
				f.ws = nil
			}
			f.mu.Unlock()
		}()
		for {
			_, m, err := c.ReadMessage()
			if err != nil {
				return // the bot hung up
			}
			ack := call{Method: "ack", At: time.Now()}
			_ = json.Unmarshal(m, &ack.JSON)
			f.record(ack)
		}
	})(w, r)
}

// envelope sends a Socket Mode envelope to the bot. It first waits until
// the bot is connected: an envelope sent earlier would race the connection.
func (f *fakeSlack) envelope(tb testing.TB, typ, id string, payload any) {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""})
	if err != nil {
		tb.Fatal(err)
	}
	var ws *websocket.Conn
	f.waitUntil(tb, "the bot's Socket Mode connection", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		ws = f.ws
		return ws != nil
	})
	f.wsWrite.Lock() // one writer at a time on a websocket
	defer f.wsWrite.Unlock()
	if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
		tb.Fatalf("send envelope %s: %v", id, err)
	}
}

// Messages returns the messages in a channel, oldest first.
func (f *fakeSlack) Messages(channel string) []posted {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []posted
	for _, m := range f.messages[channel] {
		out = append(out, *m)
	}
	return out
}

// inject puts a message into a channel as if the bot had posted it.
func (f *fakeSlack) inject(channel, text string, meta *slack.SlackMetadata) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := &posted{Channel: channel, TS: f.nextTS(), Text: text, Metadata: meta}
	f.messages[channel] = append(f.messages[channel], m)
	return m.TS
}

// nextTS is a message timestamp: the time (the engine's clock when the
// test sets now, so that Delivered's "since" means something) and a
// sequence number that keeps timestamps unique and ordered.
func (f *fakeSlack) nextTS() string {
	f.seq++
	t := time.Now()
	if f.now != nil {
		t = f.now()
	}
	return fmt.Sprintf("%d.%06d", t.Unix(), f.seq)
}

func token(c call) string {
	if c.Form != nil {
		return c.Form.Get("token")
	}
	s, _ := c.JSON["_auth"].(string)
	return s
}

func okWith(kv ...any) map[string]any {
	out := map[string]any{"ok": true}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func notOK(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

func (f *fakeSlack) ok(http.ResponseWriter, call) any { return okWith() }

func (f *fakeSlack) authTest(_ http.ResponseWriter, c call) any {
	switch token(c) {
	case botToken:
		return okWith("user_id", "UBOT", "team", "Test Team", "team_id", "T0TEST", "user", "nudgebot")
	case "":
		return notOK("not_authed")
	}
	return notOK("invalid_auth")
}

func (f *fakeSlack) connectionsOpen(_ http.ResponseWriter, c call) any {
	if token(c) != appToken {
		return notOK("invalid_auth")
	}
	return okWith("url", f.srv.GetWSURL())
}

func (f *fakeSlack) postMessage(_ http.ResponseWriter, c call) any {
	if token(c) != botToken {
		return notOK("invalid_auth")
	}
	ch := c.Form.Get("channel")
	if strings.HasPrefix(ch, "U") { // a user id: Slack posts in the DM with them
		f.mu.Lock()
		_, known := f.users[ch]
		f.mu.Unlock()
		if !known {
			return notOK("channel_not_found")
		}
		ch = "D" + ch
	}
	m := &posted{Channel: ch, Text: c.Form.Get("text")}
	if b := c.Form.Get("blocks"); b != "" {
		m.Blocks = json.RawMessage(b)
	}
	if md := c.Form.Get("metadata"); md != "" {
		m.Metadata = &slack.SlackMetadata{}
		if err := json.Unmarshal([]byte(md), m.Metadata); err != nil {
			return notOK("invalid_metadata_format")
		}
	}
	if m.Text == "" && m.Blocks == nil {
		return notOK("no_text")
	}
	f.mu.Lock()
	m.TS = f.nextTS()
	f.messages[ch] = append(f.messages[ch], m)
	f.mu.Unlock()
	return okWith("channel", ch, "ts", m.TS)
}

func (f *fakeSlack) update(_ http.ResponseWriter, c call) any {
	ch, ts := c.Form.Get("channel"), c.Form.Get("ts")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.messages[ch] {
		if m.TS == ts {
			m.Text, m.Blocks, m.Updates = c.Form.Get("text"), json.RawMessage(c.Form.Get("blocks")), m.Updates+1
			if md := c.Form.Get("metadata"); md != "" {
				m.Metadata = &slack.SlackMetadata{}
				_ = json.Unmarshal([]byte(md), m.Metadata)
			}
			return okWith("channel", ch, "ts", ts)
		}
	}
	return notOK("message_not_found")
}

func (f *fakeSlack) open(_ http.ResponseWriter, c call) any {
	users := c.Form.Get("users")
	f.mu.Lock()
	_, known := f.users[users]
	f.mu.Unlock()
	if !known {
		return notOK("user_not_found")
	}
	return okWith("channel", map[string]any{"id": "D" + users})
}

// history answers newest first, a page at a time, with metadata only when
// asked for it (include_all_metadata), as Slack does.
func (f *fakeSlack) history(_ http.ResponseWriter, c call) any {
	ch := c.Form.Get("channel")
	oldest := c.Form.Get("oldest")
	withMeta := c.Form.Get("include_all_metadata") == "1" || c.Form.Get("include_all_metadata") == "true"
	limit, _ := strconv.Atoi(c.Form.Get("limit"))
	if limit <= 0 || limit > f.pageSize {
		limit = f.pageSize
	}
	start, _ := strconv.Atoi(c.Form.Get("cursor"))
	f.mu.Lock()
	var all []map[string]any
	for _, m := range slices.Backward(f.messages[ch]) {
		if oldest != "" && m.TS < oldest {
			continue
		}
		msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "bot_id": "B0BOT"}
		if withMeta && m.Metadata != nil {
			msg["metadata"] = m.Metadata
		}
		all = append(all, msg)
	}
	f.mu.Unlock()
	start = min(start, len(all))
	end := min(start+limit, len(all))
	more := end < len(all)
	next := ""
	if more {
		next = strconv.Itoa(end)
	}
	return okWith("messages", all[start:end], "has_more", more, "response_metadata", map[string]any{"next_cursor": next})
}

func (f *fakeSlack) lookupByEmail(_ http.ResponseWriter, c call) any {
	email := c.Form.Get("email")
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, e := range f.users {
		if strings.EqualFold(e, email) {
			return okWith("user", map[string]any{"id": id, "profile": map[string]any{"email": e}})
		}
	}
	return notOK("users_not_found")
}

// usersList pages through the workspace's users in id order, limit at a
// time (at most 1,000, as Slack; the cursor is the index of the next user).
func (f *fakeSlack) usersList(_ http.ResponseWriter, c call) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := slices.Sorted(maps.Keys(f.users))
	start, _ := strconv.Atoi(c.Form.Get("cursor"))
	limit, _ := strconv.Atoi(c.Form.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	end := min(start+limit, len(ids))
	members := []map[string]any{}
	for _, id := range ids[min(start, end):end] {
		members = append(members, map[string]any{"id": id, "tz": f.zones[id], "profile": map[string]any{"email": f.users[id]}})
	}
	next := ""
	if end < len(ids) {
		next = strconv.Itoa(end)
	}
	return okWith("members", members, "response_metadata", map[string]any{"next_cursor": next})
}

func (f *fakeSlack) userInfo(_ http.ResponseWriter, c call) any {
	id := c.Form.Get("user")
	f.mu.Lock()
	email, ok := f.users[id]
	f.mu.Unlock()
	if !ok {
		return notOK("user_not_found")
	}
	return okWith("user", map[string]any{"id": id, "tz": f.zones[id], "tz_offset": -25200, "profile": map[string]any{"email": email}})
}

func (f *fakeSlack) view(_ http.ResponseWriter, c call) any {
	return okWith("view", map[string]any{"id": "V0VIEW", "hash": "h1"})
}
