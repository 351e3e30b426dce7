package lms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/lms"
	"github.com/nudgebot/nudgebot/store"
)

// fakeLRS serves statements as an LRS's statement resource does: in
// stored order, since (exclusive), pages of pageSize with a relative more
// link, Basic auth and the version header required. failOnce makes the
// next request for that offset fail with a 502 after it was counted.
type fakeLRS struct {
	mu       sync.Mutex
	stmts    []string // raw, each with id and stored
	served   map[string]int
	pageSize int
	failAt   map[int]bool
}

func (f *fakeLRS) add(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		i := len(f.stmts)
		stored := time.Date(2026, 6, 2, 8, 0, i, 0, time.UTC).Format(time.RFC3339Nano)
		who := "priya@example.com"
		if i%2 == 1 {
			who = "tom.berg@example.com"
		}
		f.stmts = append(f.stmts, fmt.Sprintf(`{"id":"eeeeeeee-0000-4000-8000-%012d","actor":{"mbox":"mailto:%s"},`+
			`"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://lms.example.com/page/%d"},`+
			`"timestamp":%q,"stored":%q,"authority":{"account":{"homePage":"https://lrs.example.com","name":"admin"}},"version":"1.0.0"}`,
			i, who, i, stored, stored))
	}
}

func (f *fakeLRS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != "lrs-key" || p != "lrs-secret" || r.Header.Get(lms.VersionHeader) == "" {
		http.Error(w, "unauthorized", 401)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	from := 0
	if m := q.Get("more"); m != "" {
		from, _ = strconv.Atoi(m)
	} else if since := q.Get("since"); since != "" {
		for from < len(f.stmts) && !strings.Contains(f.stmts[from], `"stored":"`+since+`"`) {
			from++
		}
		from++ // since is exclusive
	}
	if f.failAt[from] {
		delete(f.failAt, from)
		http.Error(w, "bad gateway", 502)
		return
	}
	to := min(from+f.pageSize, len(f.stmts))
	var out struct {
		Statements []json.RawMessage `json:"statements"`
		More       string            `json:"more"`
	}
	out.Statements = []json.RawMessage{}
	for i := from; i < to; i++ {
		out.Statements = append(out.Statements, json.RawMessage(f.stmts[i]))
		f.served[f.stmts[i][7:43]]++
	}
	if to < len(f.stmts) {
		out.More = "/xapi/statements?more=" + strconv.Itoa(to)
	}
	json.NewEncoder(w).Encode(out)
}

func TestPoller_ResumesWithoutMissingOrRepeating(t *testing.T) {
	fake := &fakeLRS{served: map[string]int{}, pageSize: 3, failAt: map[int]bool{6: true}}
	lrs := httptest.NewServer(fake)
	defer lrs.Close()
	t.Setenv("NUDGEBOT_LMS_LRS_SECRET", "lrs-secret")
	cfg := baseConfig + fmt.Sprintf("[[lms.sources]]\nname = \"lrs\"\nkind = \"lrs\"\nkey = \"lrs-key\"\nurl = %q\n", lrs.URL+"/xapi/")
	v := newEnv(t, cfg, now)
	src := v.engine.Config().Source("lrs")
	fake.add(8)

	// The third page fails: the first two stay stored.
	n, err := v.intake.Poll(context.Background(), lrs.Client(), src)
	if err == nil || n != 6 {
		t.Fatalf("first poll: %d stored, err %v; want 6 and the 502", n, err)
	}
	// A restart: a new store handle and intake on the same file.
	v.st.Close()
	st, err := store.Open(v.st.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := bot.New(v.cfg, st, v.chat, bot.Options{Logger: zerolog.Nop(), Now: v.clock.Now})
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	in := lms.NewIntake(e, st, lms.Options{Now: v.clock.Now, Logger: zerolog.Nop()})
	if n, err := in.Poll(context.Background(), lrs.Client(), src); err != nil || n != 2 {
		t.Fatalf("poll after restart: %d stored, err %v; want the remaining 2", n, err)
	}
	fake.add(4)
	if n, err := in.Poll(context.Background(), lrs.Client(), src); err != nil || n != 4 {
		t.Fatalf("poll of new statements: %d, err %v; want 4", n, err)
	}
	if n, err := in.Poll(context.Background(), lrs.Client(), src); err != nil || n != 0 {
		t.Fatalf("idle poll: %d, err %v; want 0", n, err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.served) != 12 {
		t.Errorf("served %d distinct statements, want 12", len(fake.served))
	}
	for id, c := range fake.served {
		if c != 1 {
			t.Errorf("statement %s read %d times", id, c)
		}
	}
	counts, _ := in.Counts()
	if counts["unmapped"] != 12 {
		t.Errorf("counts %v, want 12 unmapped (experienced pages map to no event)", counts)
	}
}
