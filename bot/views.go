package bot

import (
	"fmt"
	"slices"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/store"
)

// Reads for adapters, in the conversation layer's plain values: what a
// button, an inbox or an admin's status needs, without the store's records.

// Show is a manager's nudge as it reads now (see converse.Nudge). A nudge
// that is not the manager's is ErrUnknownNudge, so one manager's button
// cannot open another's form.
func (e *Engine) Show(managerID, nudgeID string) (converse.Nudge, error) {
	msg, it, err := e.Nudge(managerID, nudgeID)
	return converse.Nudge{Message: msg, Kind: it.Kind, Ref: it.Ref, Answered: it.Answered, Closed: it.Closed()}, err
}

// Inbox lists a manager's open nudges, oldest scheduled first: delivered,
// and on their way.
func (e *Engine) Inbox(managerID string) ([]converse.Open, error) {
	var open []*store.Item
	err := e.store.View(func(tx *store.Tx) (err error) {
		open, err = tx.OpenItems(managerID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("inbox of %s: %w", managerID, err)
	}
	slices.SortFunc(open, func(x, y *store.Item) int { return x.ScheduledAt.Compare(y.ScheduledAt) })
	out := make([]converse.Open, len(open))
	for i, it := range open {
		out[i] = converse.Open{Nudge: it.ID, Kind: it.Kind, State: string(it.State), Scheduled: it.ScheduledAt}
	}
	return out, nil
}

// Counts is the outbox's count per state, every state listed in order.
func (e *Engine) Counts() ([]converse.Count, error) {
	counts, err := e.store.Counts()
	if err != nil {
		return nil, fmt.Errorf("outbox counts: %w", err)
	}
	out := make([]converse.Count, len(store.States))
	for i, s := range store.States {
		out[i] = converse.Count{State: string(s), N: counts[s]}
	}
	return out, nil
}

// The engine is what the conversation layer runs commands against.
var _ converse.Engine = (*Engine)(nil)
