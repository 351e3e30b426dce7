package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/nudgebot/nudgebot/store"
)

// FirstDelivery records that the platform request named id was handled
// and reports whether this is the first time it arrived. A request a
// platform (or whoever captured it) delivers again gets false, and the
// adapter must not act on it again: a slash command replayed inside its
// signature's validity would otherwise queue a second nudge.
//
// The mark is durable before FirstDelivery returns, so it holds across
// restarts; a request that was marked and then not acted on (a crash in
// between) stays undone, which is right for requests the platform never
// retries by itself (a person types the command again, with a new id). The
// marks share the idempotency bucket of learning events, so adapters
// prefix their ids ("slack-command:…").
func (e *Engine) FirstDelivery(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, errors.New("request: no request id")
	}
	first := false
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		first = false // the function may run again
		if tx.SeenEvent(id) {
			return nil
		}
		first = true
		return tx.MarkEvent(id)
	})
	if err != nil {
		return false, fmt.Errorf("request %s: %w", id, err)
	}
	return first, nil
}
