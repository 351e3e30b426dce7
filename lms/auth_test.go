package lms_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/nudgebot/nudgebot/lms"
)

// A sender that fetches a bearer token first (LinkedIn Learning does),
// here through the oauth2 package's own client-credentials flow.
func TestOAuth2ClientCredentials(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	cc := clientcredentials.Config{ClientID: "moodle-key", ClientSecret: moodleSecret,
		TokenURL: v.srv.URL + "/xapi/oauth/token", Scopes: []string{"xapi:write"}}
	ctx := context.WithValue(context.Background(), oauth2HTTPClient, v.srv.Client())
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	resp, body := v.do(t, "POST", "/xapi/statements", stmt("", now), func(r *http.Request) {
		r.Header.Del("Authorization")
		tok.SetAuthHeader(r)
	})
	if resp.StatusCode != 200 {
		t.Fatalf("POST with bearer: %d %s", resp.StatusCode, body)
	}
	// An hour on, the token has expired.
	v.clock.Set("2026-06-02T11:00:01Z")
	resp, _ = v.do(t, "POST", "/xapi/statements", stmt("", now), func(r *http.Request) {
		r.Header.Del("Authorization")
		tok.SetAuthHeader(r)
	})
	if resp.StatusCode != 401 {
		t.Fatalf("expired token: %d, want 401", resp.StatusCode)
	}
	bad := clientcredentials.Config{ClientID: "moodle-key", ClientSecret: "wrong", TokenURL: cc.TokenURL}
	if _, err := bad.Token(ctx); err == nil {
		t.Fatal("a wrong client secret got a token")
	}
}

func TestMetricsCountUnmapped(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	v.do(t, "POST", "/xapi/statements", strings.Replace(stmt("", now), "priya@", "stranger@", 1))
	reg := prometheus.NewRegistry()
	reg.MustRegister(lms.NewCollector(v.intake))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if mf.GetName() == "nudgebot_lms_statements" && m.GetLabel()[0].GetValue() == "unmapped" && m.GetGauge().GetValue() == 1 {
				return
			}
		}
	}
	t.Fatalf("no nudgebot_lms_statements{status=unmapped} 1 in %v", mfs)
}
