package slack_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// signingSecret is the secret of Slack's documented signing example.
const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// sign is Slack's request signature: "v0=" and the hex HMAC-SHA256 of
// "v0:<timestamp>:<body>" keyed with the signing secret.
func sign(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(h, "v0:%s:", ts)
	h.Write(body)
	return "v0=" + hex.EncodeToString(h.Sum(nil))
}

// loopbackOnly keeps the adapter's outbound calls on this machine: a
// response_url pointing at hooks.slack.com fails instead of leaving the
// test.
type loopbackOnly struct{}

func (loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if host, _, _ := net.SplitHostPort(r.URL.Host); host != "127.0.0.1" && host != "::1" && host != "localhost" {
		return nil, errors.New("test: no network beyond loopback")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// serveHTTP starts the adapter's HTTP handler on a loopback server.
func (v *env) serveHTTP() string {
	v.t.Helper()
	srv := httptest.NewServer(v.a.Handler())
	v.t.Cleanup(srv.Close)
	return srv.URL
}

// request is a POST to the Slack handler; sign decides its headers.
func (v *env) request(tb testing.TB, base, path, ctype string, body []byte, sign func(h http.Header)) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if sign != nil {
		sign(req.Header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	v.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// signedNow signs a body as Slack would, now.
func signedNow(body []byte) func(http.Header) {
	return signedAt(time.Now(), signingSecret, body)
}

func signedAt(at time.Time, secret string, body []byte) func(http.Header) {
	ts := strconv.FormatInt(at.Unix(), 10)
	return func(h http.Header) {
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", sign(secret, ts, body))
	}
}

// post sends a correctly signed request and returns the response body,
// failing unless the status is want.
func (v *env) post(tb testing.TB, base, path, ctype string, body []byte, want int) []byte {
	tb.Helper()
	resp := v.request(tb, base, path, ctype, body, signedNow(body))
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		tb.Fatalf("POST %s: %d %s, want %d", path, resp.StatusCode, b, want)
	}
	return b
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// interactionForm is an interaction payload as Slack posts it.
func interactionForm(t *testing.T, payload any) []byte {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return []byte("payload=" + url.QueryEscape(string(b)))
}

// messageEvent is an Events API message.im callback.
func messageEvent(t *testing.T, eventID, user, channel, text string, edit func(ev map[string]any)) []byte {
	t.Helper()
	ev := map[string]any{"type": "message", "user": user, "text": text, "ts": "1780390000.000100",
		"channel": channel, "channel_type": "im", "event_ts": "1780390000.000100"}
	if edit != nil {
		edit(ev)
	}
	return eventCallback(t, eventID, ev)
}

func eventCallback(t *testing.T, eventID string, ev map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"token": "legacy", "team_id": "T0TEST", "api_app_id": "A0TEST",
		"type": "event_callback", "event_id": eventID, "event_time": 1780390000, "event": ev})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Slack's documented signing example (PLATFORMS.md): the HMAC itself is
// checked with its long-expired timestamp; the verifier, which also
// enforces the 5-minute window, with a fresh one.
func TestSignature_SlackDocumentedExample(t *testing.T) {
	const (
		ts   = "1531420618"
		body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	)
	if got := sign(signingSecret, ts, []byte(body)); got != want {
		t.Fatalf("signature %s, want Slack's %s", got, want)
	}
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	t.Run("DocumentedRequestIsStale", func(t *testing.T) {
		resp := v.request(t, base, "/slack/commands", formType, []byte(body), func(h http.Header) {
			h.Set("X-Slack-Request-Timestamp", ts)
			h.Set("X-Slack-Signature", want)
		})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the documented (2018) request: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("SameBodyFresh", func(t *testing.T) {
		v.post(t, base, "/slack/commands", formType, []byte(body), http.StatusOK)
		v.drain()
		if n := len(v.logs(t)); n != 0 {
			t.Errorf("%d logs stored for a user not on the roster", n)
		}
	})
}

func TestHTTP_RefusesUnsignedRequests(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	body := messageEvent(t, "Ev01", uAnn, dmAnn, "Priya ran the retro herself today", nil)
	other := messageEvent(t, "Ev01", uAnn, dmAnn, "something else", nil)
	for _, tc := range []struct {
		name string
		sign func(http.Header)
	}{
		{"NoHeaders", nil},
		{"NoSignature", func(h http.Header) { h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(time.Now().Unix(), 10)) }},
		{"WrongSecret", signedAt(time.Now(), "not-the-secret", body)},
		{"SignatureOfAnotherBody", signedAt(time.Now(), signingSecret, other)},
		{"Stale", signedAt(time.Now().Add(-6*time.Minute), signingSecret, body)},
		{"FromTheFuture", signedAt(time.Now().Add(6*time.Minute), signingSecret, body)},
		{"NotHex", func(h http.Header) {
			h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
			h.Set("X-Slack-Signature", "v0=zz")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/slack/events", "/slack/interactions", "/slack/commands"} {
				resp := v.request(t, base, path, jsonType, body, tc.sign)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: %d, want 401", path, resp.StatusCode)
				}
			}
		})
	}
	v.drain()
	if n := len(v.logs(t)); n != 0 {
		t.Errorf("%d logs stored from refused requests", n)
	}
	if calls := v.fake.Calls(""); len(calls) != 0 {
		t.Errorf("refused requests reached Slack: %v", calls[0].Method)
	}
	t.Run("SignedIsAccepted", func(t *testing.T) {
		v.post(t, base, "/slack/events", jsonType, body, http.StatusOK)
		v.drain()
		if logs := v.logs(t); len(logs) != 1 || logs[0].Kind != "note" {
			t.Errorf("logs %+v, want the note", logs)
		}
	})
}

func TestHTTP_BodyLimit(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	big := messageEvent(t, "Ev02", uAnn, dmAnn, strings.Repeat("x", 2<<20), nil)
	resp := v.request(t, base, "/slack/events", jsonType, big, signedNow(big))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: %d, want 413", resp.StatusCode)
	}
	v.drain()
	if n := len(v.logs(t)); n != 0 {
		t.Errorf("%d logs stored from an oversized request", n)
	}
}

func TestHTTP_URLVerification(t *testing.T) {
	v := newEnv(t, "2026-06-02T09:00:00Z")
	base := v.serveHTTP()
	body := []byte(`{"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	got := v.post(t, base, "/slack/events", jsonType, body, http.StatusOK)
	var r struct{ Challenge string }
	if err := json.Unmarshal(got, &r); err != nil || r.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("answer %s, want the challenge back", got)
	}
	// Unsigned, the handshake is refused like anything else.
	if resp := v.request(t, base, "/slack/events", jsonType, body, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned handshake: %d, want 401", resp.StatusCode)
	}
}
