//go:build unix

package insight_test

import (
	"runtime"
	"syscall"
	"testing"
)

// reportPeakRSS reports the process's peak resident set size in MB.
func reportPeakRSS(b *testing.B) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return
	}
	kb := ru.Maxrss
	if runtime.GOOS == "darwin" {
		kb /= 1024 // bytes there
	}
	b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
}
