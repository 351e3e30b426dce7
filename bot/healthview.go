package bot

import (
	"cmp"
	"slices"

	"github.com/nudgebot/nudgebot/store"
)

// healthView is delivery health as of some commit: every failed or
// skipped nudge by id, and the counts made of them. health guards it.
type healthView struct {
	gen   uint64
	items map[string]healthChange
	// The counts; an entry that falls to zero is deleted, so a manager
	// whose failures were retried leaves the list.
	failures    map[string]int
	unreachable map[managerReasonKey]int
	suppressed  map[managerReasonKey]int
	// out is the last result, kept until a change: the lists are sorted
	// once per change, not once per page view.
	out *DeliveryHealth
}

type managerReasonKey struct{ manager, reason string }

func newHealthView(gen uint64) *healthView {
	return &healthView{gen: gen, items: map[string]healthChange{}, failures: map[string]int{},
		unreachable: map[managerReasonKey]int{}, suppressed: map[managerReasonKey]int{}}
}

// set records a nudge as it now stands, in place of what was recorded of
// it: setting the same thing twice changes nothing.
func (v *healthView) set(c healthChange) {
	old, had := v.items[c.id]
	if had && old == c {
		return
	}
	if had {
		v.count(old, -1)
		delete(v.items, c.id)
	}
	if counted(c.state) {
		v.items[c.id] = c
		v.count(c, +1)
	}
	v.out = nil
}

func (v *healthView) apply(q []healthChange) {
	for _, c := range q {
		v.set(c)
	}
}

func (v *healthView) count(c healthChange, delta int) {
	add := func(m map[managerReasonKey]int, k managerReasonKey) {
		if m[k] += delta; m[k] <= 0 {
			delete(m, k)
		}
	}
	k := managerReasonKey{c.manager, c.reason}
	switch c.state {
	case store.Failed:
		if v.failures[c.reason] += delta; v.failures[c.reason] <= 0 {
			delete(v.failures, c.reason)
		}
		add(v.unreachable, k)
	case store.Skipped:
		add(v.suppressed, k)
	}
}

// result is the view as DeliveryHealth. The slices are shared between
// readers until the next change, which makes new ones: callers must not
// modify them.
func (v *healthView) result() DeliveryHealth {
	if v.out != nil {
		return *v.out
	}
	h := DeliveryHealth{Failures: make([]ReasonCount, 0, len(v.failures))}
	for r, n := range v.failures {
		h.Failures = append(h.Failures, ReasonCount{Reason: r, N: n})
	}
	slices.SortFunc(h.Failures, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Reason, b.Reason))
	})
	h.Unreachable, h.Suppressed = byManager(v.unreachable), byManager(v.suppressed)
	v.out = &h
	return h
}

// byManager lists counts most first, then by manager and reason.
func byManager(m map[managerReasonKey]int) []ManagerReason {
	out := make([]ManagerReason, 0, len(m))
	for k, n := range m {
		out = append(out, ManagerReason{Manager: k.manager, Reason: k.reason, N: n})
	}
	slices.SortFunc(out, func(a, b ManagerReason) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Manager, b.Manager), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}
