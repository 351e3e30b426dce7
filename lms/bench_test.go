package lms_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/lms"
)

// Throughput and latency of the statement resource over loopback HTTP,
// every answer given only once its statements are on disk. Run with
//
//	go test -run '^$' -bench 'Statements' -benchtime 1x ./lms/

var benchSeq struct {
	sync.Mutex
	n int
}

// benchStatement is a distinct statement: half from rostered learners
// (mapped, one debrief each per module), half from people the roster does
// not know (kept, counted, no nudge), as an LRS forwarding everything sends.
func benchStatement() string {
	benchSeq.Lock()
	benchSeq.n++
	n := benchSeq.n
	benchSeq.Unlock()
	who := "priya@example.com"
	if n%2 == 1 {
		who = fmt.Sprintf("learner%d@example.com", n)
	}
	return fmt.Sprintf(`{"id":"%08x-0000-4000-8000-%012x","actor":{"objectType":"Agent","name":"Learner","mbox":"mailto:%s"},`+
		`"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":"completed"}},`+
		`"object":{"id":"https://lms.example.com/course/view.php?id=7","definition":{"name":{"en-US":"Giving feedback"}}},`+
		`"result":{"completion":true,"duration":"PT14M"},"timestamp":"2026-06-02T09:00:00Z"}`, n>>16, n, who)
}

func post(b *testing.B, v *env, client *http.Client, body string) time.Duration {
	req, _ := http.NewRequest("POST", v.srv.URL+"/xapi/statements", strings.NewReader(body))
	req.SetBasicAuth("moodle-key", moodleSecret)
	req.Header.Set(lms.VersionHeader, "1.0.3")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	d := time.Since(start)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("status %d", resp.StatusCode)
	}
	return d
}

// BenchmarkStatementsBatches: 8 senders each posting batches of 500.
func BenchmarkStatementsBatches(b *testing.B) {
	const senders, batch, rounds = 8, 500, 10
	v := newEnv(b, strings.Replace(baseConfig, "rate = 1000\nburst = 1000\n", "rate = 100000\nburst = 100000\nmax_bytes = 16777216\n", 1), now)
	bodies := make([][]string, senders)
	for s := range bodies {
		for range rounds * b.N {
			parts := make([]string, batch)
			for i := range parts {
				parts[i] = benchStatement()
			}
			bodies[s] = append(bodies[s], "["+strings.Join(parts, ",")+"]")
		}
	}
	client := v.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = senders
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for _, body := range bodies[s] {
				post(b, v, client, body)
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	total := senders * batch * rounds * b.N
	b.ReportMetric(float64(total)/el.Seconds(), "statements/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		// Server and clients together, whatever else the machine runs.
		b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/statement")
	}
	if n := v.stored(b); n != int64(total) {
		b.Fatalf("stored %d of %d", n, total)
	}
}

// BenchmarkStatementsSingle: one statement per POST at 500 a second, open
// loop (requests leave on schedule, not when the last one returned).
func BenchmarkStatementsSingle(b *testing.B) {
	const perSecond, seconds = 500, 5
	v := newEnv(b, strings.Replace(baseConfig, "rate = 1000\nburst = 1000\n", "rate = 100000\nburst = 100000\n", 1), now)
	n := perSecond * seconds * b.N
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = benchStatement()
	}
	client := v.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	lat := make([]time.Duration, n)
	b.ResetTimer()
	tick := time.NewTicker(time.Second / perSecond)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		<-tick.C
		wg.Go(func() { lat[i] = post(b, v, client, bodies[i]) })
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[n-1].Microseconds())/1000, "max-ms")
}
