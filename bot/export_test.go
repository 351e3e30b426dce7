package bot

import (
	"context"

	"github.com/nudgebot/nudgebot/store"
)

// SetSweepFault makes the sweep fail on rows fault rejects, as a crash in
// the middle of the transaction would.
func SetSweepFault(fault func(store.Due) error) { sweepFault = fault }

// SettleInFlight runs the periodic settling of interrupted deliveries now.
func (e *Engine) SettleInFlight(ctx context.Context) error { return e.reconcileInFlight(ctx) }
