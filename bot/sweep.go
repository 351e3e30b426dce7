package bot

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

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
	if d.Event != "" && tx.SeenEvent(voidedEvent(d.Event)) {
		return 0, nil // the learning event was withdrawn (xAPI voiding) while the row waited
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
