package teams

import (
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// tokenEarly is how long before its expiry a token is replaced: one that
// expires on the wire would fail a send for nothing.
const tokenEarly = 5 * time.Minute

// tokenCache keeps the bot's token until shortly before it expires, or
// until the connector refuses it. oauth2's own reuse wrapper cannot be
// told that a token it still holds as valid was refused.
type tokenCache struct {
	src oauth2.TokenSource

	mu  sync.Mutex
	tok *oauth2.Token
}

// Token is the cached token, or a new one. The lock is held while a new
// one is fetched, so senders waiting together cause one request.
func (t *tokenCache) Token() (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && (t.tok.Expiry.IsZero() || time.Until(t.tok.Expiry) > tokenEarly) {
		return t.tok, nil
	}
	tok, err := t.src.Token()
	if err != nil {
		return nil, err
	}
	t.tok = tok
	return tok, nil
}

// refused forgets access if it is still the cached token, so the next
// Token fetches another. Requests refused together with the same token
// cause one new token between them, not one each.
func (t *tokenCache) refused(access string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.AccessToken == access {
		t.tok = nil
	}
}

// tokenRefusedError is a 401 from the connector to a request that carried
// token: it took no effect.
type tokenRefusedError struct {
	token string
	err   error
}

func (e *tokenRefusedError) Error() string { return e.err.Error() }
func (e *tokenRefusedError) Unwrap() error { return e.err }
