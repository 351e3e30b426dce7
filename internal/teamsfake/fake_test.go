package teamsfake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/internal/teamsfake"
)

func token(t *testing.T, f *teamsfake.Server, secret string) (string, int) {
	t.Helper()
	resp, err := http.PostForm(f.Authority()+"/tenant-1/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {secret},
		"scope": {"https://api.botframework.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.AccessToken, resp.StatusCode
}

func post(t *testing.T, url, tok string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestFakeBehavesLikeTeams: a wrong secret gets no token, the connector
// wants one, a user without the app cannot be reached (403), and past its
// burst the tenant's bucket answers 429 with Retry-After, noting a
// request that comes back inside it. (The bucket refills once in hours,
// so nothing here depends on how fast the requests go.)
func TestFakeBehavesLikeTeams(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: "app", AppPassword: "pw", TenantID: "tenant-1", TenantRate: 0.0001, TenantBurst: 2, RetryAfter: time.Hour})
	defer f.Close()
	if _, status := token(t, f, "wrong"); status != 401 {
		t.Fatalf("wrong secret: %d", status)
	}
	tok, status := token(t, f, "pw")
	if status != 200 || tok == "" {
		t.Fatalf("token: %d", status)
	}
	open := map[string]any{"isGroup": false, "tenantId": "tenant-1", "members": []any{map[string]any{"id": "29:x"}}}
	if r := post(t, f.ServiceURL()+"v3/conversations", "", open); r.StatusCode != 401 {
		t.Fatalf("no token: %d", r.StatusCode)
	}
	if r := post(t, f.ServiceURL()+"v3/conversations", tok, open); r.StatusCode != 403 {
		t.Fatalf("app not installed: %d", r.StatusCode)
	}
	conv := f.Install("29:x")
	send := f.ServiceURL() + "v3/conversations/" + url.PathEscape(conv) + "/activities"
	if r := post(t, send, tok, map[string]any{"type": "message", "text": "hi"}); r.StatusCode != 201 {
		t.Fatalf("send: %d", r.StatusCode)
	}
	r := post(t, send, tok, map[string]any{"type": "message", "text": "hi"})
	if r.StatusCode != 429 || r.Header.Get("Retry-After") != "3600" {
		t.Fatalf("past the burst of 2 (the 403 took one): %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	post(t, send, tok, map[string]any{"type": "message", "text": "hi"})
	if v := f.Violations(); len(v) != 1 || !strings.Contains(v[0], "before Retry-After") {
		t.Fatalf("a request inside Retry-After was not noted: %v", v)
	}
	if f.Total() != 1 {
		t.Fatalf("%d messages stored, want 1 (throttled ones take no effect)", f.Total())
	}
}
