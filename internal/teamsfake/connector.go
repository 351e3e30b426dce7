package teamsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Activity is a message a conversation holds, as the bot sent it (and
// last updated it).
type Activity struct {
	ID          string            `json:"id"`
	Type        string            `json:"type"`
	Text        string            `json:"text"`
	Summary     string            `json:"summary"`
	Attachments []json.RawMessage `json:"attachments"`
	Updates     int               `json:"-"`
}

// Fault is a failure given to the next Count connector requests of an
// operation ("open", "send", "update"; "" for any) that are within the
// limits. A Status of 429 is a throttle with Retry-After (the tenant is
// then blocked for Options.RetryAfter). With After, the request takes effect before it fails: the
// client cannot tell a stored message from a lost one.
type Fault struct {
	Op     string
	Status int
	After  bool
	Count  int
}

// Inject queues a fault.
func (f *Server) Inject(ft Fault) {
	f.mu.Lock()
	f.faults = append(f.faults, ft)
	f.mu.Unlock()
}

// Messages returns what a conversation holds, oldest first.
func (f *Server) Messages(conversationID string) []Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.convs[conversationID]
	if c == nil {
		return nil
	}
	return append([]Activity(nil), c.activity...)
}

// Conversation is the 1:1 conversation the bot opened with a user, if any.
func (f *Server) Conversation(userID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byMember[userID]
}

// AddChannel makes a team channel conversation the bot may post to.
func (f *Server) AddChannel(id string) {
	f.mu.Lock()
	if f.convs[id] == nil {
		f.convs[id] = &conv{tenant: f.opt.TenantID}
	}
	f.mu.Unlock()
}

// Total is how many messages all conversations hold.
func (f *Server) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.convs {
		n += len(c.activity)
	}
	return n
}

// Violations lists requests that came before a Retry-After the fake had
// announced for their bucket had elapsed.
func (f *Server) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.violations...)
}

// Throttled is how many requests were answered 429.
func (f *Server) Throttled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}

// Requests is how many connector requests arrived.
func (f *Server) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// admit authenticates a connector request and applies the buckets and the
// faults; it returns the fault to give (nil for none) and false when it
// has answered already. f.mu is held.
func (f *Server) admit(w http.ResponseWriter, r *http.Request, op, convID string) (*Fault, bool) {
	f.requests++
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if exp, ok := f.tokens[tok]; !f.opt.NoAuth && (!ok || time.Now().After(exp)) {
		writeJSON(w, 401, errBody("Unauthorized", "Authorization has been denied for this request."))
		return nil, false
	}
	now := time.Now()
	for _, b := range []string{"tenant", "conv:" + convID} {
		if end, ok := f.blocked[b]; ok && now.Before(end) {
			f.violations = append(f.violations, fmt.Sprintf("%s %s %s before Retry-After (%s early)", op, convID, b, end.Sub(now)))
		}
	}
	cl := f.convLimits[convID]
	if cl == nil && convID != "" {
		cl = rate.NewLimiter(rate.Limit(f.opt.ConvRate), f.opt.ConvBurst)
		f.convLimits[convID] = cl
	}
	bucket := ""
	if !f.tenantLimit.AllowN(now, 1) {
		bucket = "tenant"
	} else if cl != nil && !cl.AllowN(now, 1) {
		bucket = "conv:" + convID
	}
	if bucket != "" {
		f.blocked[bucket] = now.Add(f.opt.RetryAfter)
		w.Header().Set("Retry-After", strconv.Itoa(int((f.opt.RetryAfter+time.Second-1)/time.Second)))
		f.throttled++
		writeJSON(w, 429, errBody("TooManyRequests", "Too many requests"))
		return nil, false
	}
	for i := range f.faults {
		ft := &f.faults[i]
		if ft.Count > 0 && (ft.Op == "" || ft.Op == op) {
			ft.Count--
			if ft.Status == http.StatusTooManyRequests {
				bucket = "tenant"
				break
			}
			cp := *ft
			return &cp, true
		}
	}
	if bucket == "" {
		return nil, true
	}
	f.blocked[bucket] = now.Add(f.opt.RetryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(int((f.opt.RetryAfter+time.Second-1)/time.Second)))
	f.throttled++
	writeJSON(w, 429, errBody("TooManyRequests", "Too many requests"))
	return nil, false
}

func errBody(code, msg string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": msg}}
}

func fail(w http.ResponseWriter, ft *Fault) {
	writeJSON(w, ft.Status, errBody("ServiceError", http.StatusText(ft.Status)))
}

func (f *Server) open(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IsGroup  bool                  `json:"isGroup"`
		Members  []struct{ ID string } `json:"members"`
		TenantID string                `json:"tenantId"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, ok := f.admit(w, r, "open", "")
	if !ok {
		return
	}
	if json.Unmarshal(body, &req) != nil || req.IsGroup || len(req.Members) != 1 || req.TenantID == "" {
		writeJSON(w, 400, errBody("BadArgument", "Invalid conversation parameters"))
		return
	}
	if ft != nil && !ft.After {
		fail(w, ft)
		return
	}
	user := req.Members[0].ID
	if !f.installed[user] || req.TenantID != f.opt.TenantID {
		writeJSON(w, 403, errBody("Forbidden", "The bot is not part of the conversation roster."))
		return
	}
	id := f.personal(user)
	if ft != nil {
		fail(w, ft)
		return
	}
	writeJSON(w, 201, map[string]any{"id": id})
}

func (f *Server) send(w http.ResponseWriter, r *http.Request) {
	f.store(w, r, "send")
}

func (f *Server) update(w http.ResponseWriter, r *http.Request) {
	f.store(w, r, "update")
}

// store posts or updates an activity.
func (f *Server) store(w http.ResponseWriter, r *http.Request, op string) {
	status, resp := f.storeLocked(w, r, op)
	if status == 0 {
		return // answered already: nothing stored
	}
	if f.opt.Latency > 0 {
		// Teams takes its time to answer, the message already stored: a
		// bot that stops now cannot know it was posted.
		time.Sleep(f.opt.Latency)
	}
	writeJSON(w, status, resp)
	f.mu.Lock()
	f.notify()
	f.mu.Unlock()
}

// Reached is closed once the conversations hold n messages in all.
func (f *Server) Reached(n int) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.waiters = append(f.waiters, waiter{n, ch})
	f.notify()
	return ch
}

type waiter struct {
	n  int
	ch chan struct{}
}

// notify closes the channels of waiters whose count is reached. f.mu is
// held.
func (f *Server) notify() {
	total := 0
	for _, c := range f.convs {
		total += len(c.activity)
	}
	kept := f.waiters[:0]
	for _, w := range f.waiters {
		if total >= w.n {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	f.waiters = kept
}

// ClearFaults drops the faults not yet given.
func (f *Server) ClearFaults() {
	f.mu.Lock()
	f.faults = nil
	f.mu.Unlock()
}

// storeLocked stores a post or update. It answers a request that stores
// nothing itself (status 0); otherwise it returns the answer to give.
func (f *Server) storeLocked(w http.ResponseWriter, r *http.Request, op string) (int, any) {
	convID := r.PathValue("conv")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, ok := f.admit(w, r, op, convID)
	if !ok {
		return 0, nil
	}
	c := f.convs[convID]
	if c == nil {
		writeJSON(w, 404, errBody("ConversationNotFound", "Conversation not found."))
		return 0, nil
	}
	var a Activity
	if err != nil || len(body) > 28<<10+1024 || json.Unmarshal(body, &a) != nil || a.Type != "message" {
		writeJSON(w, 400, errBody("BadArgument", "Activity is malformed or too large."))
		return 0, nil
	}
	if ft != nil && !ft.After {
		fail(w, ft)
		return 0, nil
	}
	if op == "update" {
		id := r.PathValue("id")
		i := 0
		for i < len(c.activity) && c.activity[i].ID != id {
			i++
		}
		if i == len(c.activity) {
			writeJSON(w, 404, errBody("ActivityNotFound", "Activity not found."))
			return 0, nil
		}
		a.ID, a.Updates = id, c.activity[i].Updates+1
		c.activity[i] = a
	} else {
		f.nextID++
		a.ID = "1:" + strconv.Itoa(f.nextID)
		c.activity = append(c.activity, a)
	}
	if ft != nil {
		return ft.Status, errBody("ServiceError", http.StatusText(ft.Status))
	}
	return map[bool]int{true: 200, false: 201}[op == "update"], map[string]any{"id": a.ID}
}

func (f *Server) member(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.admit(w, r, "member", ""); !ok {
		return
	}
	u, ok := f.users[r.PathValue("user")]
	if !ok {
		writeJSON(w, 404, errBody("MemberNotFoundInConversation", "The user is not a member of the conversation."))
		return
	}
	writeJSON(w, 200, map[string]any{"id": r.PathValue("user"), "aadObjectId": u.aad, "email": u.email, "userPrincipalName": u.email})
}
