package bot

import (
	"github.com/nudgebot/nudgebot/store"
)

// SetSweepFault makes the sweep fail on rows fault rejects, as a crash in
// the middle of the transaction would.
func SetSweepFault(fault func(store.Due) error) { sweepFault = fault }

// LiveCounts is how many times the live figures were counted from the
// data file.
func (e *Engine) LiveCounts() int64 { return e.live.counts.Load() }
