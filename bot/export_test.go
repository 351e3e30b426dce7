package bot

import (
	"github.com/nudgebot/nudgebot/store"
)

// SetSweepFault makes the sweep fail on rows fault rejects, as a crash in
// the middle of the transaction would.
func SetSweepFault(fault func(store.Due) error) { sweepFault = fault }
