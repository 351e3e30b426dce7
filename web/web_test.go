package web_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web"
)

type source struct {
	st  *store.Store
	now time.Time
}

func (s source) Now() time.Time      { return s.now }
func (s source) Store() *store.Store { return s.st }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServer(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	if err := st.Write(context.Background(), func(tx *store.Tx) error {
		for i, s := range []store.State{store.Sent, store.Sent, store.Pending} {
			it := &store.Item{ID: string(rune('a' + i)), Manager: "m", State: s, NextAttempt: now.Add(-90 * time.Second)}
			if err := tx.PutItem(it); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := web.NewMetrics(reg, source{st, now})
	m.Delivered(store.Item{State: store.Failed, Reason: "channel_not_found: slack said so"})
	var connected atomic.Bool
	srv := web.New(reg, func() error {
		if !connected.Load() {
			return errors.New("chat platform not connected")
		}
		return nil
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l, time.Second) }()
	base := "http://" + l.Addr().String()

	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "not connected") {
		t.Errorf("readyz before connecting: %d %q", code, body)
	}
	connected.Store(true)
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Errorf("readyz when connected: %d", code)
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`nudgebot_outbox_items{state="sent"} 2`,
		`nudgebot_outbox_items{state="pending"} 1`,
		`nudgebot_outbox_oldest_ready_seconds 90`,
		`nudgebot_deliveries_total{reason="channel_not_found",result="failed"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
