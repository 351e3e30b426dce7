package slack_test

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Slack's pace for chat.update as the benchmarks' fake applies it: about
// one a second per channel, small bursts, and Tier 3 (50 a minute) across
// the workspace.
const (
	updateRate    = 1.0
	updateBurst   = 2.0
	updateTier    = 50.0 / 60
	updateTierCap = 3.0
)

// updateLimits is the benchFake's chat.update: a token bucket per channel,
// 429 with a Retry-After (whole seconds) beyond it, and when each message
// was last updated.
type updateLimits struct {
	mu      sync.Mutex
	tokens  map[string]float64
	last    map[string]time.Time
	tier    float64              // the workspace's chat.update tokens
	tierAt  time.Time            // when tier was last brought up to date
	hooks   int                  // updates through a click's response_url
	shown   map[string]time.Time // channel/ts → when its latest update was accepted
	limited int
}

func (f *benchFake) update(w http.ResponseWriter, r *http.Request) {
	ch, ts := r.FormValue("channel"), r.FormValue("ts")
	now := time.Now()
	u := &f.upd
	u.mu.Lock()
	if u.tokens == nil {
		u.tokens, u.last, u.shown = map[string]float64{}, map[string]time.Time{}, map[string]time.Time{}
	}
	tokens, seen := u.tokens[ch]
	if !seen {
		tokens = updateBurst
	} else {
		tokens = math.Min(updateBurst, tokens+now.Sub(u.last[ch]).Seconds()*updateRate)
	}
	u.last[ch] = now
	if u.tierAt.IsZero() {
		u.tier = updateTierCap
	} else {
		u.tier = math.Min(updateTierCap, u.tier+now.Sub(u.tierAt).Seconds()*updateTier)
	}
	u.tierAt = now
	retry := 0
	switch {
	case tokens < 1:
		retry = max(1, int(math.Ceil((1-tokens)/updateRate)))
		u.limited++
	case u.tier < 1:
		retry = max(1, int(math.Ceil((1-u.tier)/updateTier)))
		u.limited++
	default:
		tokens--
		u.tier--
		u.shown[ch+"/"+ts] = now
	}
	u.tokens[ch] = tokens
	u.mu.Unlock()
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		return
	}
	f.updates.Add(1)
	writeRaw(w, fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q}`, ch, ts))
}

// updated returns how many messages were updated, when the last update
// was accepted, and how many updates were answered 429.
func (u *updateLimits) updated() (shown int, last time.Time, limited int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, at := range u.shown {
		if at.After(last) {
			last = at
		}
	}
	return len(u.shown), last, u.limited
}

// responseURL is a click's response_url (the benchmark's clicks name
// response/<channel>/<ts>): replace_original shows the new state at once;
// Slack counts it against no tier.
func (f *benchFake) responseURL(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/response/")
	ch, ts, _ := strings.Cut(rest, "/")
	u := &f.upd
	u.mu.Lock()
	if u.shown == nil {
		u.tokens, u.last, u.shown = map[string]float64{}, map[string]time.Time{}, map[string]time.Time{}
	}
	u.shown[ch+"/"+ts] = time.Now()
	u.hooks++
	u.mu.Unlock()
	writeRaw(w, `ok`)
}

// viaHooks is how many updates went through a response_url.
func (u *updateLimits) viaHooks() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hooks
}
