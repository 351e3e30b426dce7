package dash

import (
	"sync"
	"time"
)

// cache keeps the figures pages show. Computing a report reads the data
// file, too slow to do per page view on a large rollout; a page is served
// from the last computation, and one older than maxAge is recomputed in
// the background (one at a time per key) while the page shows the last.
// Admin actions that change the figures drop the cache.
type cache struct {
	mu     sync.Mutex
	m      map[string]*entry
	maxAge time.Duration
	now    func() time.Time
	wg     sync.WaitGroup
	gen    uint64 // bumped by drop: a refresh started before it is discarded
}

type entry struct {
	val        any
	err        error
	at         time.Time
	ready      chan struct{}
	refreshing bool
}

func newCache(maxAge time.Duration, now func() time.Time) *cache {
	return &cache{m: map[string]*entry{}, maxAge: maxAge, now: now}
}

func (c *cache) get(key string, compute func() (any, error)) (any, error) {
	c.mu.Lock()
	e := c.m[key]
	if e == nil {
		e = &entry{ready: make(chan struct{})}
		c.m[key] = e
		gen := c.gen
		c.mu.Unlock()
		v, err := compute()
		c.mu.Lock()
		e.val, e.err, e.at = v, err, c.now()
		close(e.ready)
		if err != nil || c.gen != gen {
			// An error is not kept (the next view tries again); nor is a
			// result computed across a drop.
			if c.m[key] == e {
				delete(c.m, key)
			}
		}
		c.mu.Unlock()
		return v, err
	}
	c.mu.Unlock()
	<-e.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.err == nil && !e.refreshing && c.now().Sub(e.at) >= c.maxAge && c.m[key] == e {
		e.refreshing = true
		gen := c.gen
		c.wg.Go(func() {
			v, err := compute()
			c.mu.Lock()
			defer c.mu.Unlock()
			if err == nil && c.gen == gen && c.m[key] == e {
				c.m[key] = &entry{val: v, at: c.now(), ready: e.ready}
			} else {
				e.refreshing = false
			}
		})
	}
	return e.val, e.err
}

// drop forgets everything: the next view computes afresh.
func (c *cache) drop() {
	c.mu.Lock()
	c.m = map[string]*entry{}
	c.gen++
	c.mu.Unlock()
}

func (c *cache) wait() { c.wg.Wait() }
