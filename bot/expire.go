package bot

import (
	"context"
	"fmt"

	"github.com/nudgebot/nudgebot/store"
)

// expireChunk bounds one expiry commit, as reconcile's chunks do.
const expireChunk = 5000

// Expire closes every nudge left unanswered for the configured expire_after:
// it is marked answered "expired" with the reason, leaves its manager's open
// list (home screen, /nudge status), its reminders become moot, and a
// coaching-log entry of kind "expired" records it for export, since an
// unanswered nudge is data too. A late answer still logs and closes it.
func (e *Engine) Expire(ctx context.Context) (int, error) {
	cfg := e.Config()
	if cfg.ExpireAfter <= 0 {
		return 0, nil
	}
	now := e.now()
	cutoff := now.Add(-cfg.ExpireAfter)
	var stale []string
	err := e.store.View(func(tx *store.Tx) error {
		for _, m := range cfg.Managers {
			open, err := tx.OpenItems(m.ID)
			if err != nil {
				return err
			}
			for _, it := range open {
				if it.State == store.Sent && !it.SentAt.IsZero() && it.SentAt.Before(cutoff) {
					stale = append(stale, it.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("find unanswered nudges: %w", err)
	}
	reason := fmt.Sprintf("expired: unanswered for %s (expire_after)", cfg.ExpireAfter)
	total := 0
	for start := 0; start < len(stale); start += expireChunk {
		part := stale[start:min(start+expireChunk, len(stale))]
		var closed []*store.Item
		err := e.store.Write(ctx, func(tx *store.Tx) error {
			closed = closed[:0]
			for _, id := range part {
				it, err := tx.Item(id)
				if err != nil {
					return err
				}
				// Read again: it may have been answered since the scan.
				if it == nil || it.Answered != "" || it.State != store.Sent {
					continue
				}
				old := *it
				it.Answered, it.Reason = store.AnsweredExpired, reason
				if err := tx.UpdateItem(&old, it); err != nil {
					return err
				}
				l := &store.Log{ID: "expired/" + it.ID, Manager: it.Manager, Nudge: it.ID, Kind: store.AnsweredExpired,
					Program: it.Program, CreatedAt: now}
				if !tx.HasReply(l.ID) {
					if err := tx.AddLog(l); err != nil {
						return err
					}
				}
				closed = append(closed, it)
			}
			return e.noteIgnored(tx, cfg, closed, now)
		})
		if err != nil {
			return total, fmt.Errorf("expire unanswered nudges: %w", err)
		}
		for _, it := range closed {
			e.log.Info().Str("nudge_id", it.ID).Str("manager", it.Manager).Msg("unanswered nudge expired")
		}
		total += len(closed)
	}
	return total, nil
}
