package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
)

// run serves the dashboard on its own address when [dashboard] enables it:
// the API answers the admin token and refuses anyone else.
func TestRun_DashboardOnItsOwnAddress(t *testing.T) {
	cfg := exampleCopy(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	raw, _ := os.ReadFile(cfg)
	text := strings.Replace(string(raw), "[dashboard]\nenabled = false\nlisten = \"\"", "[dashboard]\nenabled = true\nlisten = \""+addr+"\"", 1)
	if text == string(raw) {
		t.Fatal("the example's [dashboard] section changed; update this test")
	}
	os.WriteFile(cfg, []byte(text), 0o600)
	token := strings.Repeat("t0k3n", 8)
	t.Setenv("NUDGEBOT_DASHBOARD_TOKEN", token)

	stdinW, lines, done := startShell(t, context.Background(), cfg)
	go func() {
		for lines.Scan() {
		}
	}()
	// The listener is bound before the shell greets.
	for _, tc := range []struct {
		auth string
		code int
	}{{"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}, {"Bearer " + token, http.StatusOK}} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/dashboard/api/programs", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.code || tc.code == 200 && !strings.Contains(string(body), `"id": "feedback"`) {
			t.Errorf("%q: %d %s", tc.auth, res.StatusCode, body)
		}
	}
	stdinW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
