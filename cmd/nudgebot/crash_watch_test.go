package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
)

// What the crash trials watch of a running bot: its metrics and its log.

// freeAddr is a loopback address no one listens on, for the bot's HTTP
// server (health, metrics).
func freeAddr(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// outboxSettled reports whether the bot at addr says, through its
// metrics, that no outbox item is pending or sending.
func outboxSettled(addr string) bool {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	seen := 0
	for _, line := range strings.Split(string(raw), "\n") {
		for _, state := range []string{"pending", "sending"} {
			if v, ok := strings.CutPrefix(line, `nudgebot_outbox_items{state="`+state+`"} `); ok {
				if v != "0" {
					return false
				}
				seen++
			}
		}
	}
	return seen == 2
}

// logSummary is a bot's log without its lines about single deliveries
// (one a nudge), which would bury what went wrong.
func logSummary(path string) string {
	raw, _ := os.ReadFile(path)
	var out []string
	deliveries := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, `"message":"delivery"`) {
			deliveries++
			continue
		}
		out = append(out, line)
	}
	if len(out) > 40 {
		out = append(out[:20], out[len(out)-20:]...)
	}
	return fmt.Sprintf("%s\n(%d delivery lines left out)", strings.Join(out, "\n"), deliveries)
}
