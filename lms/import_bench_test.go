//go:build unix

package lms_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/lms"
)

// importN is how many statements BenchmarkImport writes and imports; the
// target is 1,000,000 in under two minutes with peak RSS under 200 MB:
//
//	go test -run '^$' -bench Import -benchtime 1x -import.n 1000000 ./lms/
var importN = flag.Int("import.n", 20000, "statements BenchmarkImport imports")

func BenchmarkImport(b *testing.B) {
	v := newEnv(b, baseConfig, now)
	path := filepath.Join(b.TempDir(), "export.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range *importN {
		who := fmt.Sprintf("learner%d@example.com", i%50000)
		if i%1000 == 0 {
			who = "priya@example.com"
		}
		fmt.Fprintf(w, `{"actor":{"objectType":"Agent","mbox":"mailto:%s"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},`+
			`"object":{"id":"https://lms.example.com/course/view.php?id=%d"},"result":{"completion":true},"timestamp":"2026-05-%02dT09:00:%02dZ"}`+"\n",
			who, i%7+3, i%28+1, i%60)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for range b.N {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := v.intake.Import(context.Background(), in, "jsonl", importSource, lms.Flags{}, nil)
		el := time.Since(start)
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Read)/el.Seconds(), "statements/s")
		b.ReportMetric(el.Seconds(), "s")
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	// CPU time is what the import costs whatever else the machine runs.
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") {
				b.Log(strings.Join(strings.Fields(l), " "))
			}
		}
	}
}
