// Package testclock is a settable clock for tests: the engine takes a
// Now function, and tests move time by hand instead of sleeping.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source tests set. The zero value reads the zero time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to an RFC 3339 instant; a malformed one is a bug in
// the test and panics.
func (c *Clock) Set(rfc3339 string) {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// SetTime moves the clock to t.
func (c *Clock) SetTime(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
