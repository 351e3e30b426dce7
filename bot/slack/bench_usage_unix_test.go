//go:build unix

package slack_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what the process has consumed so far: CPU time (user and
// system, every goroutine: the engine, the adapter, the fake and the
// clients alike) and bytes written to storage (Linux only, else -1).
type usage struct {
	cpu  time.Duration
	disk int64
}

func readUsage() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	u := usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), disk: -1}
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return u
	}
	for l := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes: "); ok {
			u.disk, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return u
}
