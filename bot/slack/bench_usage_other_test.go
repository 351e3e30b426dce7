//go:build !unix

package slack_test

import "time"

type usage struct {
	cpu  time.Duration
	disk int64
}

// readUsage is unknown on this platform: the benchmarks skip its metrics.
func readUsage() usage { return usage{cpu: -1, disk: -1} }
