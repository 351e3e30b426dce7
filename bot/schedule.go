package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

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

func (w *slotWalker) peek() (slotWant, bool) {
	for len(w.buf) == 0 {
		if w.next >= len(w.order) {
			return slotWant{}, false
		}
		m := w.cfg.Managers[w.order[w.next]]
		w.next++
		mfp := w.fingerprintManager(m)
		for _, c := range w.recurring {
			if c.For(m) {
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
