package bot

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/store"
)

// liveBooks keeps, per program, a Book from the launch to today that the
// store's commits keep up to date, so reading the figures costs a report
// of what changed, not a scan of a million logs.
//
// Each commit's facts (logs added, nudges queued, delivered, failed or
// expired, first applications) are queued by the store's writer and added
// to the Book on the next read. Only what a delta cannot say — an erasure,
// logs deleted by retention, a reload of the configuration, the clock
// going back — makes the Book be counted again from the data file; readers
// wait for that count rather than see an erased person.
type liveBooks struct {
	e  *Engine
	mu sync.Mutex // guards gen and each liveBook's queue, stale and counting
	// gen counts the commits that made every Book stale.
	gen   uint64
	books map[string]*liveBook
	wg    sync.WaitGroup
	// counts is how many counts from the data file were started.
	counts atomic.Int64
}

// liveBook is one program's. Its mu guards the Book and what was reported
// of it; the store's writer takes liveBooks.mu alone, and never for long.
// Whoever needs both takes liveBook.mu first.
type liveBook struct {
	program string
	mu      sync.Mutex
	feed    *feed
	book    *insight.Book // nil until the first count is done
	gen     uint64        // liveBooks.gen the count started at
	stale   bool          // the queue overflowed: count again
	// counting is closed when the count under way ends; nil when none is.
	counting chan struct{}
	err      error // the last count's failure
	version  uint64
	// snap is the id of the snapshot the Book was counted from: a fact
	// of a commit at or before it is already in the Book.
	snap uint64

	queue []fact // committed since the last read
}

// fact is one change a commit made, copied off the writer's records.
type fact struct {
	tx   uint64 // the commit's transaction id
	log  *store.Log
	item *store.Item
	app  *store.Application
}

// liveCountHook, when set (by tests), runs once a count has read the file
// and before its Book is handed to readers.
var liveCountHook func()

// maxPending bounds the facts held for a Book nobody reads: past it, the
// Book is counted afresh at the next read instead.
const maxPending = 1 << 17

func newLiveBooks(e *Engine) *liveBooks {
	lb := &liveBooks{e: e, books: map[string]*liveBook{}}
	e.store.Observe(lb.observe)
	return lb
}

// observe runs on the store's writer after each commit: it only queues.
func (lb *liveBooks) observe(c store.Commit) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if c.Reset {
		lb.gen++
	}
	if len(lb.books) == 0 {
		return
	}
	var facts []fact
	for _, l := range c.Logs {
		cp := *l
		facts = append(facts, fact{tx: c.Tx, log: &cp})
	}
	for _, ch := range c.Items {
		cp := *ch.Item
		facts = append(facts, fact{tx: c.Tx, item: &cp})
	}
	for i := range c.Applications {
		cp := c.Applications[i]
		facts = append(facts, fact{tx: c.Tx, app: &cp})
	}
	for _, b := range lb.books {
		mine := facts[:0:0]
		for _, f := range facts {
			if f.program() == b.program || f.log != nil && f.log.Program == "" {
				mine = append(mine, f)
			}
		}
		// A commit reported while a count runs, or after it ended, may or
		// may not be in the count's snapshot: the transaction id says
		// (see apply).
		if b.stale {
			continue
		}
		if len(b.queue)+len(mine) > maxPending {
			b.queue, b.stale = nil, true
			continue
		}
		b.queue = append(b.queue, mine...)
	}
}

func (f fact) program() string {
	switch {
	case f.log != nil:
		return f.log.Program
	case f.item != nil:
		return f.item.Program
	}
	return f.app.Program
}

// errNoProgram says a program id is not configured.
type errNoProgram string

func (e errNoProgram) Error() string { return "no program has id " + string(e) }

// report returns the program's figures from its launch to today and the
// version of the Book they came from, unless the version is still have:
// then changed is false and the report is empty, for the reader keeps
// what it made of the figures while the version stands. Nothing of a
// report is kept here: a hundred thousand managers' figures are held once,
// by whoever reads them.
func (lb *liveBooks) report(ctx context.Context, program string, have uint64) (r insight.Report, ver uint64, changed bool, err error) {
	cfg := lb.e.Config()
	if cfg.Program(program) == nil {
		return insight.Report{}, 0, false, errNoProgram(program)
	}
	lb.mu.Lock()
	b := lb.books[program]
	if b == nil {
		b = &liveBook{program: program}
		lb.books[program] = b
	}
	lb.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		// Today as of holding the Book: a reader held up across midnight
		// must not take the Book back a day.
		today := nudges.DateOf(lb.e.now().In(cfg.Location))
		lb.mu.Lock()
		if b.counting == nil && b.err == nil && (b.book == nil || b.stale || b.gen != lb.gen || b.feed.cfg != cfg || !b.moveTo(today)) {
			lb.count(b, today)
		}
		wait, queue := b.counting, b.queue
		if wait == nil {
			b.queue = nil
		}
		lb.mu.Unlock()
		if wait != nil {
			b.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				b.mu.Lock()
				return insight.Report{}, 0, false, ctx.Err()
			}
			b.mu.Lock()
			continue
		}
		if b.err != nil {
			err := b.err
			b.err = nil // the next read counts again
			return insight.Report{}, 0, false, err
		}
		b.apply(queue)
		break
	}
	if b.version == have {
		return insight.Report{}, have, false, nil
	}
	return b.book.Report(), b.version, true, nil
}

// moveTo moves the Book to today; false means it cannot (the clock went
// back) and must be counted again.
func (b *liveBook) moveTo(today nudges.Date) bool {
	if b.book.Params().To == today {
		return true
	}
	if !b.book.SetTo(today) {
		return false
	}
	b.version++
	return true
}

// apply adds facts to the Book, but for those of commits its count
// already held.
func (b *liveBook) apply(facts []fact) {
	for _, f := range facts {
		if f.tx <= b.snap {
			continue
		}
		switch {
		case f.log != nil:
			if r, ok := b.feed.reply(f.log); ok {
				b.book.AddReply(r)
			}
		case f.item != nil:
			n, ok, moved := b.feed.nudge(f.item)
			if !ok {
				continue
			}
			b.book.AddNudge(n)
			if moved {
				if _, ok := b.feed.teamOf[f.item.Learner]; ok {
					b.book.AddLearner(b.feed.learner(f.item.Learner))
				}
			}
		case f.app != nil:
			if _, ok := b.feed.applied[f.app.Learner]; ok {
				continue // the first stays first
			}
			b.feed.applied[f.app.Learner] = f.app.Date
			if _, ok := b.feed.teamOf[f.app.Learner]; ok {
				b.book.AddLearner(b.feed.learner(f.app.Learner))
			}
		}
		b.version++
	}
}

// count starts counting b from the data file in the background; b.mu and
// lb.mu are held. Commits go on meanwhile: their facts are queued, and
// those the count's snapshot already holds are told apart by transaction
// id, whenever they are reported.
func (lb *liveBooks) count(b *liveBook, today nudges.Date) {
	done := make(chan struct{})
	b.counting, b.queue, b.stale, b.err = done, nil, false, nil
	gen, cfg := lb.gen, lb.e.Config()
	lb.counts.Add(1)
	lb.wg.Go(func() {
		defer close(done)
		f, err := newFeed(cfg, b.program)
		var book *insight.Book
		var snap uint64
		if err == nil {
			book = f.newBook(f.prog.Launch, today, true)
			err = lb.e.store.View(func(tx *store.Tx) error {
				snap = tx.ID()
				defer tx.ReleaseMapped() // the whole file was read
				return f.scan(tx, book)
			})
		}
		if liveCountHook != nil {
			liveCountHook()
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		lb.mu.Lock()
		defer lb.mu.Unlock()
		b.counting = nil
		if err != nil {
			b.book, b.err = nil, err
			return
		}
		b.feed, b.book, b.gen, b.snap = f, book, gen, snap
		b.version++
	})
}

// LiveReport is the program's figures from its launch to today, kept up
// to date as the engine writes: cheap enough for every page view. The
// version changes whenever the figures may have. The first call for a
// program, and the first after an erasure or a reload, waits for a count
// from the data file.
func (e *Engine) LiveReport(ctx context.Context, program string) (insight.Report, uint64, error) {
	r, ver, _, err := e.live.report(ctx, program, 0)
	return r, ver, err
}

// LiveReportSince is LiveReport for a reader that already holds what it
// made of the figures at version have: while that version stands it gets
// changed false and no report, at no cost.
func (e *Engine) LiveReportSince(ctx context.Context, program string, have uint64) (r insight.Report, ver uint64, changed bool, err error) {
	return e.live.report(ctx, program, have)
}

// LiveCounts is how many times the live figures were counted from the
// data file since the engine started: once per program, then once per
// erasure, retention pass or reload.
func (e *Engine) LiveCounts() int64 { return e.live.counts.Load() }

// WaitLive waits for counts of the live figures under way: at shutdown,
// and in tests.
func (e *Engine) WaitLive() { e.live.wg.Wait() }
