package bot

import (
	"github.com/nudgebot/nudgebot/store"
)

// SetSweepFault makes the sweep fail on rows fault rejects, as a crash in
// the middle of the transaction would.
func SetSweepFault(fault func(store.Due) error) { sweepFault = fault }

// SetLiveCountHook runs fn in each count of the live figures, after the
// file is read and before the commits made meanwhile are taken in.
func SetLiveCountHook(fn func()) { liveCountHook = fn }
