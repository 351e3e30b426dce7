package web_test

import (
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web"
)

// /readyz used to answer "ready" whatever happened; it now follows the
// store and the platform connection.
func TestReadyz_FollowsStoreAndConnection(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ready web.Readiness
	ready.Check("store", st.Err)
	ready.Set("slack", errors.New("Socket Mode not connected yet"))
	h := web.New(prometheus.NewRegistry(), ready.Ready).Handler()
	probe := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code
	}
	for _, step := range []struct {
		name string
		do   func()
		want int
	}{
		{"NotConnectedYet", func() {}, 503},
		{"Connected", func() { ready.Set("slack", nil) }, 200},
		{"Disconnected", func() { ready.Set("slack", errors.New("Socket Mode disconnected")) }, 503},
		{"Reconnected", func() { ready.Set("slack", nil) }, 200},
		{"StoreCannotCommit", func() { st.Close() }, 503},
	} {
		step.do()
		if got := probe(); got != step.want {
			t.Errorf("%s: /readyz %d, want %d", step.name, got, step.want)
		}
	}
}
