package bot

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// enrolSlot marks, in the schedule index, that a manager's enrolment in a
// program has been announced, so "enrolled" cadences fire once per manager.
const enrolSlot = "@enrolled/"

// slotWant is one entry the schedule index should hold.
type slotWant struct {
	m  *nudges.Manager
	c  *nudges.Cadence // nil for enrolment markers
	p  string          // program of an enrolment marker
	fp uint64
}

// reconcileSchedule brings the due table in line with cfg: a next occurrence
// for every (manager, recurring cadence) pair, recomputed where its inputs
// changed, and an enrolment event for each new (manager, program); entries
// of pairs that no longer exist are removed. It walks the roster in id order
// beside the index, in one read pass that allocates only for what differs,
// and writes only that: an unchanged restart writes nothing.
func (e *Engine) reconcileSchedule(ctx context.Context, cfg *config.Config) error {
	// First the cheap question: is the roster's schedule exactly the one
	// reconciled last time? Then the index need not be read at all, which
	// on a large data file keeps a restart from paging it in.
	total := rosterFingerprint(cfg)
	var last uint64
	if err := e.store.View(func(tx *store.Tx) error { last = tx.ScheduleFingerprint(); return nil }); err != nil {
		return fmt.Errorf("read schedule: %w", err)
	}
	if last == total {
		return nil
	}
	want := newSlotWalker(cfg)
	var changes []slotWant // to (re)compute
	var drops [][2]string  // (manager, slot) entries to remove
	err := e.store.View(func(tx *store.Tx) error {
		return tx.SchedEntries(func(manager, slot []byte, fp uint64) error {
			for {
				w, ok := want.peek()
				if !ok {
					break
				}
				c := w.compare(manager, slot)
				if c > 0 {
					break
				}
				want.advance()
				if c < 0 {
					changes = append(changes, w) // not scheduled yet
					continue
				}
				if w.fp != fp {
					// The old row stays in the due table; its Gen no
					// longer matches, so the sweep drops it when due.
					changes = append(changes, w)
				}
				return nil
			}
			drops = append(drops, [2]string{string(manager), string(slot)})
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read schedule: %w", err)
	}
	for w, ok := want.peek(); ok; w, ok = want.peek() {
		changes = append(changes, w)
		want.advance()
	}
	if len(changes) == 0 && len(drops) == 0 {
		return e.store.Write(ctx, func(tx *store.Tx) error { return tx.SetScheduleFingerprint(total) })
	}
	now := e.now()
	planner := cfg.Planner()
	const chunk = 5000 // keep each commit (and each caller's wait behind it) bounded
	for start := 0; start < max(len(changes), len(drops)); start += chunk {
		part := changes[min(start, len(changes)):min(start+chunk, len(changes))]
		gone := drops[min(start, len(drops)):min(start+chunk, len(drops))]
		err := e.store.Write(ctx, func(tx *store.Tx) error {
			for _, d := range gone {
				if err := tx.DeleteSched(d[0], d[1]); err != nil {
					return err
				}
			}
			for i := range part {
				if err := e.fillSlot(tx, cfg, planner, &part[i], now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("update schedule: %w", err)
		}
	}
	// Recorded last: a crash before this point reconciles again next time.
	if err := e.store.Write(ctx, func(tx *store.Tx) error { return tx.SetScheduleFingerprint(total) }); err != nil {
		return err
	}
	e.log.Info().Int("scheduled", len(changes)).Int("removed", len(drops)).Msg("schedule reconciled with roster")
	return nil
}

// rosterFingerprint combines every slot's fingerprint, in index order.
func rosterFingerprint(cfg *config.Config) uint64 {
	h := newHasher()
	w := newSlotWalker(cfg)
	for s, ok := w.peek(); ok; s, ok = w.peek() {
		h.str(s.m.ID)
		h.str(s.slot())
		h.int(int64(s.fp))
		w.advance()
	}
	return h.Sum64()
}

// fillSlot computes and stores the next occurrence for w (or raises the
// enrolment event).
func (e *Engine) fillSlot(tx *store.Tx, cfg *config.Config, planner *nudges.Planner, w *slotWant, now time.Time) error {
	se := store.SchedEntry{Manager: w.m.ID, Slot: w.slot(), Fingerprint: w.fp}
	if w.c == nil {
		for _, c := range cfg.Cadences {
			if c.Event != nudges.EventEnrolled || c.Program != w.p {
				continue
			}
			if err := addEventDue(tx, w.m, c, "enrolled:"+w.p, now, "", ""); err != nil {
				return err
			}
		}
		return tx.PutSched(se)
	}
	if occ, ok := planner.Next(w.m, w.c, now); ok { // none: a closed week window
		if _, err := tx.AddDue(dueFor(occ, w.fp)); err != nil {
			return err
		}
	}
	return tx.PutSched(se)
}

func dueFor(o nudges.Occurrence, gen uint64) store.Due {
	return store.Due{At: o.At, ID: o.ID(), Manager: o.Manager.ID, Cadence: o.Cadence.ID, Kind: o.Cadence.Kind, Local: o.Local.String(), Gen: gen}
}

// addEventDue schedules an event-relative nudge for event id at t.
func addEventDue(tx *store.Tx, m *nudges.Manager, c *nudges.Cadence, event string, t time.Time, learner, module string) error {
	at, ok := c.EventDue(&m.Calendar, t)
	if !ok {
		return nil
	}
	_, err := tx.AddDue(store.Due{At: at, ID: nudges.NudgeID(m.ID, c.ID, event), Manager: m.ID, Cadence: c.ID,
		Kind: c.Kind, Event: event, Learner: learner, Module: module})
	return err
}

func (w *slotWant) slot() string {
	if w.c == nil {
		return enrolSlot + w.p
	}
	return w.c.ID
}

// compare orders w against an index entry, as the index orders its keys
// (manager, then slot).
func (w *slotWant) compare(manager, slot []byte) int {
	if c := strings.Compare(w.m.ID, string(manager)); c != 0 {
		return c
	}
	return strings.Compare(w.slot(), string(slot))
}

// slotWalker yields the slots the roster calls for, in index order, one
// manager at a time, so a restart never holds all of them at once.
type slotWalker struct {
	*fingerprinter
	order []int // manager indexes sorted by id
	next  int
	buf   []slotWant
}

func newSlotWalker(cfg *config.Config) *slotWalker {
	w := &slotWalker{fingerprinter: newFingerprinter(cfg), order: make([]int, len(cfg.Managers))}
	for i := range w.order {
		w.order[i] = i
	}
	slices.SortFunc(w.order, func(a, b int) int { return strings.Compare(cfg.Managers[a].ID, cfg.Managers[b].ID) })
	return w
}

// fingerprinter computes what a slot's occurrences were derived from, so a
// due row can be told current or superseded from the configuration alone.
type fingerprinter struct {
	cfg       *config.Config
	recurring []*nudges.Cadence
	cadenceFP map[*nudges.Cadence]uint64
	// holidays caches the hash of each holiday set: managers mostly share
	// the default one, and sorting it per row is most of a fingerprint.
	mu       sync.Mutex
	holidays map[unsafe.Pointer]uint64
}

func newFingerprinter(cfg *config.Config) *fingerprinter {
	f := &fingerprinter{cfg: cfg, cadenceFP: map[*nudges.Cadence]uint64{}, holidays: map[unsafe.Pointer]uint64{}}
	for _, c := range cfg.Cadences {
		if c.Recurring() {
			f.recurring = append(f.recurring, c)
			f.cadenceFP[c] = fingerprintCadence(cfg, c)
		}
	}
	return f
}

// slot is the fingerprint the schedule index holds for (m, c) under this
// configuration; ok is false when the pair has no slot at all.
func (f *fingerprinter) slot(m *nudges.Manager, c *nudges.Cadence) (uint64, bool) {
	cfp, ok := f.cadenceFP[c]
	if !ok || !m.Enrolled(c.Program) {
		return 0, false
	}
	return f.fingerprintManager(m) ^ cfp, true
}

func (w *slotWalker) peek() (slotWant, bool) {
	for len(w.buf) == 0 {
		if w.next >= len(w.order) {
			return slotWant{}, false
		}
		m := w.cfg.Managers[w.order[w.next]]
		w.next++
		mfp := w.fingerprintManager(m)
		for _, c := range w.recurring {
			if m.Enrolled(c.Program) {
				w.buf = append(w.buf, slotWant{m: m, c: c, fp: mfp ^ w.cadenceFP[c]})
			}
		}
		for _, p := range w.cfg.Programs {
			if m.Enrolled(p.ID) {
				w.buf = append(w.buf, slotWant{m: m, p: p.ID})
			}
		}
		slices.SortFunc(w.buf, func(a, b slotWant) int { return strings.Compare(a.slot(), b.slot()) })
	}
	return w.buf[0], true
}

func (w *slotWalker) advance() { w.buf = w.buf[1:] }

// fingerprintManager hashes what a manager's occurrences depend on: the
// calendar, the enrolment, the daily cap and the set of cadences competing
// for it. Any change recomputes that manager's next occurrences.
func (w *fingerprinter) fingerprintManager(m *nudges.Manager) uint64 {
	h := newHasher()
	cal := &m.Calendar
	h.str(cal.Location.String())
	for _, d := range cal.Days {
		h.bool(d)
	}
	h.int(int64(cal.Start))
	h.int(int64(cal.End))
	for _, r := range cal.OutOfOffice {
		h.str(r.From.String())
		h.str(r.To.String())
	}
	for _, p := range m.Programs {
		h.str(p)
	}
	h.int(int64(w.cfg.MaxPerDay))
	h.int(int64(w.holidayFP(cal.Holidays)))
	for _, c := range w.recurring {
		if m.Enrolled(c.Program) {
			h.int(int64(w.cadenceFP[c]))
		}
	}
	return h.Sum64()
}

// holidayFP hashes a holiday set in date order, once per set.
func (w *fingerprinter) holidayFP(set map[nudges.Date]bool) uint64 {
	key := reflect.ValueOf(set).UnsafePointer() // nil for no holidays
	w.mu.Lock()
	fp, ok := w.holidays[key]
	w.mu.Unlock()
	if ok {
		return fp
	}
	days := make([]nudges.Date, 0, len(set))
	for d, on := range set {
		if on {
			days = append(days, d)
		}
	}
	slices.SortFunc(days, nudges.Date.Compare)
	h := newHasher()
	for _, d := range days {
		h.str(d.String())
	}
	w.mu.Lock()
	w.holidays[key] = h.Sum64()
	w.mu.Unlock()
	return h.Sum64()
}

func fingerprintCadence(cfg *config.Config, c *nudges.Cadence) uint64 {
	h := newHasher()
	p := cfg.Program(c.Program)
	h.str(c.ID)
	h.str(string(c.Kind))
	h.str(c.Recurrence.String())
	h.int(int64(c.FromWeek))
	h.int(int64(c.ToWeek))
	for _, ph := range c.Phases {
		h.str(string(ph))
	}
	h.str(p.Launch.String())
	h.bool(p.Paused)
	return h.Sum64()
}

// hasher is FNV-1a over typed values, with separators so ("ab","c") and
// ("a","bc") differ. A value type with no allocation: the sweep
// fingerprints every row it moves.
type hasher struct{ h uint64 }

func newHasher() *hasher { return &hasher{h: 14695981039346656037} }

func (h *hasher) byte(b byte) { h.h = (h.h ^ uint64(b)) * 1099511628211 }

func (h *hasher) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
	h.byte(0)
}

func (h *hasher) int(v int64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (8 * i)))
	}
}

func (h *hasher) bool(v bool) {
	if v {
		h.byte(1)
	} else {
		h.byte(0)
	}
}

func (h *hasher) Sum64() uint64 { return h.h }

// Sweep moves every due row whose time has come to the outbox, in one
// transaction per batch: each row is deleted, its outbox item created (once:
// the id is derived from the occurrence) and its successor inserted
// together, so after a crash either the row is still due or the item and the
// next row exist — never both, never neither.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	e.sweepMu.Lock()
	defer e.sweepMu.Unlock()
	cfg := e.Config()
	planner := cfg.Planner()
	fp := newFingerprinter(cfg)
	total := 0
	for {
		now := e.now()
		moved, more := 0, false
		var sw *sweep
		err := e.store.Write(ctx, func(tx *store.Tx) error {
			moved = 0
			keys, rows, err := tx.DueBy(now, sweepBatch)
			if err != nil {
				return err
			}
			more = len(rows) == sweepBatch
			// Sized up front: ten thousand rows of ~200 bytes appended one by
			// one cost the sweep more in garbage collection than in bbolt.
			sw = &sweep{tx: tx, cfg: cfg, planner: planner, fp: fp, now: now, days: map[dayKey]int{},
				created: make(map[string]bool, len(rows)), next: make([]store.Due, 0, len(rows)),
				items: make([]*store.Item, 0, len(rows))}
			plans := sw.plan(rows)
			for i, d := range rows {
				if err := tx.DeleteDue(keys[i]); err != nil {
					return err
				}
				n, err := e.sweepRow(sw, d, plans[i])
				if err != nil {
					return fmt.Errorf("sweep %s for %s: %w", d.ID, d.Manager, err)
				}
				moved += n
			}
			return sw.flush()
		})
		if err != nil {
			return total, err
		}
		e.reportSkipped(sw.skipped)
		total += moved
		if !more {
			break
		}
	}
	if total > 0 {
		e.kick()
	}
	return total, nil
}

// sweepBatch bounds one sweep transaction.
const sweepBatch = 20000

// sweep is one sweep transaction's state. New outbox items, successor
// rows and day counts (of event nudges, reminders and snoozes) are
// written together at the end, in key order (see store.Tx.AddItems).
type sweep struct {
	tx      *store.Tx
	cfg     *config.Config
	planner *nudges.Planner
	now     time.Time
	fp      *fingerprinter
	next    []store.Due
	items   []*store.Item
	created map[string]bool // ids of items, so a sweep never queues one twice
	days    map[dayKey]int
	skipped []skipped // reported after the commit
}

type dayKey struct{ manager, day string }

func (sw *sweep) dayCount(k dayKey) int {
	n, ok := sw.days[k]
	if !ok {
		n = sw.tx.DayCount(k.manager, k.day)
		sw.days[k] = n
	}
	return n
}

func (sw *sweep) flush() error {
	if err := sw.tx.AddItems(sw.items); err != nil {
		return err
	}
	if err := sw.tx.AddDues(sw.next); err != nil {
		return err
	}
	keys := make([]dayKey, 0, len(sw.days))
	for k := range sw.days {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b dayKey) int {
		return cmp.Or(strings.Compare(a.manager, b.manager), strings.Compare(a.day, b.day))
	})
	for _, k := range keys {
		if err := sw.tx.SetDayCount(k.manager, k.day, sw.days[k]); err != nil {
			return err
		}
	}
	return nil
}

// rowPlan is what a due row needs that depends on the configuration alone:
// computed for all rows in parallel, before the sequential writes.
type rowPlan struct {
	m       *nudges.Manager // nil: left the roster
	stale   bool            // a recurring row superseded by a reload
	next    store.Due       // a recurring row's successor
	hasNext bool
}

// plan computes every row's rowPlan on all cores. It reads only the
// configuration and the planner, both immutable while the sweep runs.
func (sw *sweep) plan(rows []store.Due) []rowPlan {
	plans := make([]rowPlan, len(rows))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(rows)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(rows); i += workers {
				plans[i] = sw.planRow(rows[i])
			}
		})
	}
	wg.Wait()
	return plans
}

func (sw *sweep) planRow(d store.Due) rowPlan {
	p := rowPlan{m: sw.cfg.Manager(d.Manager)}
	if p.m == nil || d.Local == "" {
		return p
	}
	// Every configuration is reconciled with the schedule index before it
	// is installed, so the index's fingerprint for this slot is the one the
	// configuration gives: no read needed.
	c := sw.cfg.Cadence(d.Cadence)
	if c == nil {
		p.stale = true
		return p
	}
	if fp, ok := sw.fp.slot(p.m, c); !ok || fp != d.Gen {
		p.stale = true // superseded by a reload, which scheduled its own successor
		return p
	}
	p.next, p.hasNext = sw.successor(p.m, c, d)
	return p
}

// sweepFault lets tests fail the sweep part-way through its transaction.
var sweepFault func(store.Due) error

// sweepRow handles one due row inside the sweep transaction and reports how
// many items it queued for delivery.
func (e *Engine) sweepRow(sw *sweep, d store.Due, p rowPlan) (int, error) {
	tx, cfg, now := sw.tx, sw.cfg, sw.now
	if sweepFault != nil {
		if err := sweepFault(d); err != nil {
			return 0, err
		}
	}
	m := p.m
	if m == nil || p.stale {
		return 0, nil // left the roster, or superseded: reconcile owns the rest
	}
	if p.hasNext {
		sw.next = append(sw.next, p.next)
	}
	var root *store.Item
	if d.Parent != "" {
		var err error
		if root, err = tx.Item(d.Parent); err != nil {
			return 0, err
		}
		// A reminder is moot once the nudge was answered; a snoozed nudge
		// comes back only if nothing else closed it meanwhile.
		if root == nil || (d.Reminder > 0 && root.Answered != "") || (d.Reminder == 0 && root.Answered != store.AnsweredSnoozed) {
			return 0, nil
		}
	}
	local := nudges.DateOf(d.At.In(m.Calendar.Location))
	day := dayKey{m.ID, local.String()}
	v := judge(cfg, m, d, now, func() bool {
		return sw.dayCount(day)+len(sw.planner.Day(m, local)) >= cfg.MaxPerDay
	})
	if !v.deferTo.IsZero() {
		if d.Since.IsZero() {
			d.Since = d.At
		}
		d.At = v.deferTo
		sw.next = append(sw.next, d)
		return 0, nil
	}
	skip := v.reason
	items := e.itemsFor(cfg, m, d, root)
	queued := 0
	for _, it := range items {
		if sw.created[it.ID] || tx.HasItem(it.ID) {
			continue
		}
		if skip != "" {
			it.State, it.Reason = store.Skipped, skip
			sw.skipped = append(sw.skipped, skipped{it.ID, m.ID, v.code})
		} else {
			queued++
		}
		sw.created[it.ID] = true
		sw.items = append(sw.items, it)
	}
	if queued > 0 && d.Local == "" {
		sw.days[day]++
	}
	return queued, nil
}

// successor is the occurrence after d. After a long outage it starts from
// the edge of the catch-up window, so days missed beyond it are not each
// turned into a skipped item.
func (sw *sweep) successor(m *nudges.Manager, c *nudges.Cadence, d store.Due) (store.Due, bool) {
	after := d.At
	if edge := sw.now.Add(-sw.cfg.CatchUp); after.Before(edge) {
		after = edge
	}
	occ, ok := sw.planner.Next(m, c, after)
	if !ok {
		return store.Due{}, false
	}
	return dueFor(occ, d.Gen), true
}

func nextDayStart(m *nudges.Manager, t time.Time) time.Time {
	d := nudges.DateOf(t.In(m.Calendar.Location)).AddDays(1)
	return m.Calendar.At(d, 0)
}

// itemsFor turns a due row into outbox items: one DM, except for team
// summaries, which go to every team channel and, fuller, to the manager.
func (e *Engine) itemsFor(cfg *config.Config, m *nudges.Manager, d store.Due, root *store.Item) []*store.Item {
	base := store.Item{
		ID: d.ID, Manager: m.ID, Kind: d.Kind, Cadence: d.Cadence, Local: d.Local, Parent: d.Parent,
		Reminder: d.Reminder, Learner: d.Learner, Module: d.Module, ScheduledAt: d.At,
		State: store.Pending, NextAttempt: d.At,
	}
	if c := cfg.Cadence(d.Cadence); c != nil {
		base.Program, base.Script = c.Program, c.Script
	}
	if root != nil { // a reminder or a snoozed nudge repeats its original
		base.Kind, base.Cadence, base.Program, base.Script = root.Kind, root.Cadence, root.Program, root.Script
		base.Learner, base.Module, base.Local, base.Team, base.Channel = root.Learner, root.Module, root.Local, root.Team, root.Channel
		it := base
		return []*store.Item{&it}
	}
	if d.Kind != nudges.KindSummary {
		it := base
		return []*store.Item{&it}
	}
	var out []*store.Item
	for _, t := range cfg.TeamsOf(m.ID) {
		ch, dm := base, base
		ch.ID, ch.Channel, ch.Team = d.ID+"/team/"+t.ID, t.Channel, t.ID
		dm.ID, dm.Team = d.ID+"/dm/"+t.ID, t.ID
		out = append(out, &ch, &dm)
	}
	return out
}
