package lms

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/nudgebot/nudgebot/config"
)

// Senders prove which source they are with HTTP Basic (the source's key
// and secret: LRS forwarding, Moodle's plugin, 360Learning) or with a
// bearer token from our OAuth2 client-credentials endpoint (LinkedIn
// Learning fetches one before it posts).

// errAuth is any failed authentication; the sender hears 401 and nothing
// more specific, so a guesser learns nothing about which part was wrong.
var errAuth = errors.New("authentication failed")

// tokenTTL is how long an issued bearer token is good for.
const tokenTTL = time.Hour

// sameSecret compares in constant time, also in the length.
func sameSecret(got, want string) bool {
	if want == "" {
		return false // a source without a secret admits nobody
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// byKey finds the source whose key (Basic user or client id) is key.
func byKey(cfg *config.Config, key string, kinds ...string) *config.Source {
	for i := range cfg.LMS.Sources {
		s := &cfg.LMS.Sources[i]
		if s.Key == key && kindIn(s.Kind, kinds) {
			return s
		}
	}
	return nil
}

func kindIn(k string, kinds []string) bool {
	for _, x := range kinds {
		if k == x {
			return true
		}
	}
	return false
}

// authenticate returns the xAPI source that sent r.
func (s *Server) authenticate(cfg *config.Config, r *http.Request) (*config.Source, error) {
	if user, pass, ok := r.BasicAuth(); ok {
		src := byKey(cfg, user, config.SourceXAPI)
		if src == nil || !sameSecret(pass, src.Secret.Value()) {
			return nil, errAuth
		}
		return src, nil
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return s.checkToken(cfg, strings.TrimSpace(tok))
	}
	return nil, errAuth
}

// A bearer token is "nbt1.<source>.<expiry unix>.<hmac>", the HMAC keyed
// by the source's secret: nothing to store, it survives a restart, and
// rotating the secret revokes every token issued under the old one.
func tokenMAC(secret, source string, exp int64) string {
	k := sha256.Sum256([]byte("nudgebot xapi token\x00" + secret))
	h := hmac.New(sha256.New, k[:])
	fmt.Fprintf(h, "%s\x00%d", source, exp)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) issueToken(src *config.Source, now time.Time) (string, time.Duration) {
	exp := now.Add(tokenTTL).Unix()
	return fmt.Sprintf("nbt1.%s.%d.%s", src.Name, exp, tokenMAC(src.Secret.Value(), src.Name, exp)), tokenTTL
}

func (s *Server) checkToken(cfg *config.Config, tok string) (*config.Source, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "nbt1" {
		return nil, errAuth
	}
	src := cfg.Source(parts[1])
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if src == nil || src.Kind != config.SourceXAPI || err != nil || s.now().Unix() >= exp || src.Secret.Value() == "" {
		return nil, errAuth
	}
	if !hmac.Equal([]byte(parts[3]), []byte(tokenMAC(src.Secret.Value(), src.Name, exp))) {
		return nil, errAuth
	}
	return src, nil
}

// limiters hold one token bucket per source, replaced when a reload
// changes its rate.
type limiters struct {
	mu sync.Mutex
	m  map[string]*limiter
}

type limiter struct {
	rate  float64
	burst int
	l     *rate.Limiter
}

// allow takes one request from src's bucket at now, or says how long to
// wait for one.
func (ls *limiters) allow(src *config.Source, now time.Time) (bool, time.Duration) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.m == nil {
		ls.m = map[string]*limiter{}
	}
	l := ls.m[src.Name]
	if l == nil || l.rate != src.Rate || l.burst != src.Burst {
		l = &limiter{rate: src.Rate, burst: src.Burst, l: rate.NewLimiter(rate.Limit(src.Rate), src.Burst)}
		ls.m[src.Name] = l
	}
	if l.l.AllowN(now, 1) {
		return true, 0
	}
	r := l.l.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return false, d
}

// retryAfter is d in whole seconds, at least one, as Retry-After wants.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
