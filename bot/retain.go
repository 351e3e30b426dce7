package bot

import (
	"context"
	"fmt"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// retainChunk bounds one retention commit, so the job never holds the
// writer long while replies wait.
const retainChunk = 5000

// Retain deletes coaching logs older than the configured retention and
// records how many in the audit log. Without a retention it does nothing.
// The pages freed are reused by later writes; an erasure, which must leave
// nothing behind, also rewrites the file (nudgebot erase).
func (e *Engine) Retain(ctx context.Context) (int, error) {
	cfg := e.Config()
	if cfg.Retention <= 0 {
		return 0, nil
	}
	now := e.now()
	cut := now.Add(-cfg.Retention)
	total := 0
	for {
		n := 0
		err := e.store.Write(ctx, func(tx *store.Tx) (err error) {
			n, err = tx.DeleteLogsBefore(cut, retainChunk)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("retention: %w", err)
		}
		total += n
		if n < retainChunk {
			break
		}
	}
	// Who coached which week goes with the logs.
	cutWeek := mondayOf(nudges.DateOf(cut.In(cfg.Location))).String()
	if err := e.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.DeleteCoachedBefore(cutWeek)
		return err
	}); err != nil {
		return total, fmt.Errorf("retention: %w", err)
	}
	if total > 0 {
		err := e.store.Write(ctx, func(tx *store.Tx) error {
			return tx.AddAudit(store.Audit{At: now, Action: "retention",
				Detail: fmt.Sprintf("%d logs older than %s deleted", total, cfg.Retention)})
		})
		if err != nil {
			return total, fmt.Errorf("retention: %w", err)
		}
		e.log.Info().Int("logs", total).Msg("logs past the retention period deleted")
	}
	return total, nil
}
