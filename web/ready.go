package web

import (
	"fmt"
	"slices"
	"sync"
)

// Readiness is what /readyz reports: the store can commit and the chat
// platform is connected. Checks are asked at each probe; adapters that learn
// of their connection by events (a socket that drops and comes back) report
// it with Set. Pass its Ready method to New.
type Readiness struct {
	mu     sync.Mutex
	checks []namedCheck
	down   map[string]error
}

type namedCheck struct {
	name string
	fn   func() error
}

// Check adds a condition asked at every probe, e.g. the store's Err.
func (r *Readiness) Check(name string, fn func() error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, namedCheck{name, fn})
}

// Set records the state of name: nil when up, the reason when down.
func (r *Readiness) Set(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down == nil {
		r.down = make(map[string]error)
	}
	if err == nil {
		delete(r.down, name)
	} else {
		r.down[name] = err
	}
}

// Ready is nil when every check passes and nothing is set down.
func (r *Readiness) Ready() error {
	r.mu.Lock()
	checks := slices.Clone(r.checks)
	names := make([]string, 0, len(r.down))
	for name := range r.down {
		names = append(names, name)
	}
	slices.Sort(names)
	var down error
	if len(names) > 0 {
		down = fmt.Errorf("%s: %w", names[0], r.down[names[0]])
	}
	r.mu.Unlock()
	for _, c := range checks {
		if err := c.fn(); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return down
}
