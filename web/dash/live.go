package dash

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nudgebot/nudgebot/nudges/insight"
)

// LiveBackend is a Backend that keeps each program's figures from its
// launch to today up to date as the bot writes: asking costs a report of
// what changed since the last time, not a scan. Other ranges still go
// through the cache.
type LiveBackend interface {
	// LiveReportSince returns the figures and a version that changes
	// whenever they may have; while the version is still have, changed
	// is false and the report empty.
	LiveReportSince(ctx context.Context, program string, have uint64) (r insight.Report, ver uint64, changed bool, err error)
}

// The live figures' freshness. While L&D keeps reading, they are brought
// up to date in the background at most once every liveLag, so no page
// view pays for a report of a hundred thousand managers; a view that
// finds them older than liveStale (nobody has looked for a while) waits
// for them to be brought up to date instead.
const (
	liveLag   = time.Second
	liveStale = 10 * time.Second
)

// liveFigures keeps, per program, the figures derived from the last live
// report: deriving them for 100,000 managers costs more than a page may.
type liveFigures struct {
	mu  sync.Mutex
	m   map[string]*liveEntry
	now func() time.Time
	wg  sync.WaitGroup
	gen uint64 // bumped by drop: a refresh started before it is discarded
	// closed says the dashboard is closing: no refresh starts, so none
	// can begin while Close waits for the last.
	closed bool
}

type liveEntry struct {
	f   *figures
	ver uint64
	at  time.Time // when f was last brought up to date
	err error
	// done is closed when the refresh under way ends; nil when none is.
	done chan struct{}
}

func (l *liveFigures) get(ctx context.Context, program string, lb LiveBackend) (*figures, error) {
	for {
		l.mu.Lock()
		if l.m == nil {
			l.m = map[string]*liveEntry{}
		}
		e := l.m[program]
		if e == nil {
			e = &liveEntry{}
			l.m[program] = e
		}
		age := l.now().Sub(e.at)
		if l.closed && e.done == nil {
			f := e.f
			l.mu.Unlock()
			if f == nil {
				return nil, errClosing
			}
			return f, nil
		}
		if e.done == nil && (e.f == nil || age >= liveLag) {
			l.refresh(program, e, lb)
		}
		done, wait := e.done, e.f == nil || age >= liveStale
		l.mu.Unlock()
		if wait {
			select {
			case <-done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		l.mu.Lock()
		if wait && l.m[program] != e {
			// Dropped while this view waited: what e holds, or gets, is
			// from before the drop.
			l.mu.Unlock()
			continue
		}
		f, err := e.f, e.err
		if f == nil && l.m[program] == e {
			delete(l.m, program) // the next view tries again
		}
		l.mu.Unlock()
		switch {
		case err != nil && (f == nil || wait):
			return nil, err
		case f != nil:
			return f, nil // a failed refresh in the background leaves them as they were
		}
		// Dropped while it was brought up to date: once more.
	}
}

// refresh brings e up to date in the background; l.mu is held.
func (l *liveFigures) refresh(program string, e *liveEntry, lb LiveBackend) {
	done := make(chan struct{})
	e.done = done
	ver, had, gen := e.ver, e.f != nil, l.gen
	l.wg.Go(func() {
		defer close(done)
		if !had {
			ver = 0 // figures wanted whatever the version
		}
		rep, v, changed, err := lb.LiveReportSince(context.Background(), program, ver)
		var f *figures
		if err == nil && changed {
			f = newFigures(rep.For(insight.LnD()))
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		e.done, e.err = nil, err
		if err != nil || l.gen != gen {
			return // the figures shown stay as they were
		}
		if f != nil {
			e.f, e.ver = f, v
		}
		e.at = l.now()
	})
}

// Warm starts counting every program's live figures in the background, so
// that the first page does not wait for them.
func (d *Dashboard) Warm() {
	lb, ok := d.b.(LiveBackend)
	if !ok {
		return
	}
	for _, p := range d.b.Programs() {
		d.live.mu.Lock()
		if d.live.m == nil {
			d.live.m = map[string]*liveEntry{}
		}
		e := d.live.m[p.ID]
		if e == nil && !d.live.closed {
			e = &liveEntry{}
			d.live.m[p.ID] = e
			d.live.refresh(p.ID, e, lb)
		}
		d.live.mu.Unlock()
	}
}

// drop forgets the figures (after an erasure, say): the next view waits
// for figures brought up to date after it.
func (l *liveFigures) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	l.m = nil
}

// errClosing answers a view that comes while the dashboard closes.
var errClosing = errors.New("the dashboard is shutting down")

// close stops refreshes and waits for the last to end.
func (l *liveFigures) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.wg.Wait()
}
