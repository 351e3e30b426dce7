package bot

import (
	"github.com/nudgebot/nudgebot/store"
)

// SetSweepFault makes the sweep fail on rows fault rejects, as a crash in
// the middle of the transaction would.
func SetSweepFault(fault func(store.Due) error) { sweepFault = fault }

// SetLiveCountHook runs fn in each count of the live figures, after the
// file is read and before the Book is handed to readers.
func SetLiveCountHook(fn func()) { liveCountHook = fn }

// ReasonOf groups a failure's or skip's reason as the delivery health does.
var ReasonOf = reasonOf

// OnHealthBuild runs fn at each step of the delivery health's reads of the
// outbox: "queueing" once commits are queued, "snapshot" inside the read
// transaction.
func (e *Engine) OnHealthBuild(fn func(step string)) { e.health.testHook = fn }

// SetHealthQueueLimit bounds the changes the delivery health queues
// between reads, before it drops them and reads the outbox again.
func (e *Engine) SetHealthQueueLimit(n int) {
	e.health.qmu.Lock()
	e.health.limit = n
	e.health.qmu.Unlock()
}
