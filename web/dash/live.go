package dash

import (
	"context"
	"sync"

	"github.com/nudgebot/nudgebot/nudges/insight"
)

// LiveBackend is a Backend that keeps each program's figures from its
// launch to today up to date as the bot writes. The dashboard asks it on
// every view of that range instead of caching, so a reply just stored
// shows within a second; other ranges still go through the cache.
type LiveBackend interface {
	// LiveReport returns the figures and a version that changes whenever
	// they may have.
	LiveReport(ctx context.Context, program string) (insight.Report, uint64, error)
}

// liveFigures keeps the figures derived from the last live report per
// program, reused while its version stands: deriving them for 100,000
// managers costs more than a page may.
type liveFigures struct {
	mu sync.Mutex
	m  map[string]liveEntry
}

type liveEntry struct {
	ver uint64
	f   *figures
}

func (l *liveFigures) get(ctx context.Context, program string, lb LiveBackend) (*figures, error) {
	rep, ver, err := lb.LiveReport(ctx, program)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.m[program]; ok && e.ver == ver {
		return e.f, nil
	}
	f := newFigures(rep.For(insight.LnD()))
	if l.m == nil {
		l.m = map[string]liveEntry{}
	}
	l.m[program] = liveEntry{ver, f}
	return f, nil
}
