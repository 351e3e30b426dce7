//go:build unix

package insight_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// usage is the process's CPU time so far.
func usage() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportUsage reports the process's peak resident set size in MB, and the
// CPU time per operation since start (all threads: the garbage collector's
// too). On a machine shared with other work, CPU time says more than the
// wall clock of ns/op.
func reportUsage(b *testing.B, start time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return
	}
	kb := ru.Maxrss
	if runtime.GOOS == "darwin" {
		kb /= 1024 // bytes there
	}
	b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(usage()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
