package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"
)

// key is one signing key with the channels Bot Framework endorses it for.
type key struct {
	pub          *rsa.PublicKey
	endorsements []string // nil: the source names none (Entra keys)
}

// keySet caches the keys behind one OpenID metadata document. It is
// refreshed when a day old, and on a kid it does not know, at most once per
// minRefresh: a stream of tokens with made-up kids must not turn into a
// stream of requests to the identity provider.
type keySet struct {
	metadataURL string
	client      *http.Client
	now         func() time.Time
	minRefresh  time.Duration

	mu        sync.Mutex
	keys      map[string]key
	fetched   time.Time // last successful fetch
	attempted time.Time // last fetch, successful or not
}

// keyMaxAge is how long fetched keys are used without a refresh: Microsoft
// rolls keys with notice, and its guidance is to refresh at least daily.
const keyMaxAge = 24 * time.Hour

// errUnknownKey is a kid the provider does not publish, even after a
// refresh.
var errUnknownKey = errors.New("signing key not published")

// lookup returns the key named kid, refreshing the set when it is old or
// (rate-limited) when kid is not in it.
func (s *keySet) lookup(ctx context.Context, kid string) (key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	stale := s.keys == nil || now.Sub(s.fetched) >= keyMaxAge
	k, ok := s.keys[kid]
	if stale || (!ok && now.Sub(s.attempted) >= s.minRefresh) {
		s.attempted = now
		keys, err := s.fetch(ctx)
		switch {
		case err == nil:
			s.keys, s.fetched = keys, now
			k, ok = keys[kid]
		case s.keys == nil:
			return key{}, fmt.Errorf("signing keys: %w", err)
		}
		// A failed refresh keeps the keys we have: they were valid a day
		// ago, and a provider outage must not lock every user out.
	}
	if !ok {
		return key{}, errUnknownKey
	}
	return k, nil
}

// fetch reads the metadata document, then the key set it names.
func (s *keySet) fetch(ctx context.Context) (map[string]key, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(ctx, s.metadataURL, &meta); err != nil {
		return nil, err
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("metadata names no jwks_uri")
	}
	var set struct {
		Keys []struct {
			Kty          string   `json:"kty"`
			Kid          string   `json:"kid"`
			N            string   `json:"n"`
			E            string   `json:"e"`
			Use          string   `json:"use"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	if err := s.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, err
	}
	keys := map[string]key{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			continue // one odd key must not hide the others
		}
		keys[k.Kid] = key{pub: pub, endorsements: slices.Clone(k.Endorsements)}
	}
	if len(keys) == 0 {
		return nil, errors.New("key set holds no usable RSA key")
	}
	return keys, nil
}

func (s *keySet) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

func rsaKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		return nil, err
	}
	eb, err := base64.RawURLEncoding.DecodeString(e)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("bad exponent")
	}
	ev := 0
	for _, b := range eb {
		ev = ev<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: ev}
	if pub.N.BitLen() < 2048 || ev < 3 {
		return nil, errors.New("weak key")
	}
	return pub, nil
}
