package bot

import (
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// followUpAfter is how long after a learning event an event nudge counts
// as a follow-up (the 30- and 90-day ones) rather than the debrief.
const followUpAfter = 7 * 24 * time.Hour

// followUp fills c.FollowUp for an event nudge sent well after the event:
// what the manager logged about the learner at the debrief, and whether
// the learner has applied it since, so the follow-up picks up where the
// debrief left off instead of starting over.
func followUp(tx *store.Tx, cfg *config.Config, it *store.Item, c *nudges.Context) error {
	cd := cfg.Cadence(it.Cadence)
	if cd == nil || cd.Event == "" || cd.Delay < followUpAfter || c.Learner == nil {
		return nil
	}
	f := &nudges.FollowUp{Days: int(cd.Delay / (24 * time.Hour))}
	since := it.ScheduledAt.Add(-cd.Delay - 24*time.Hour)
	var first *store.Log
	err := tx.LogsBetween(it.Manager, since, it.ScheduledAt, func(l *store.Log) error {
		if first == nil && l.Learner == c.Learner.ID && l.Kind == string(nudges.KindCheckIn) {
			cp := *l
			first = &cp
		}
		return nil
	})
	if err != nil {
		return err
	}
	if first != nil {
		f.Logged = true
		f.Tried, f.Changed = first.Answers[nudges.FieldTried], first.Answers[nudges.FieldChanged]
	}
	if c.Program != nil {
		fa, err := tx.FirstApplication(c.Program.ID, c.Learner.ID)
		if err != nil {
			return err
		}
		if fa != nil {
			f.Applied, f.AppliedOn = true, fa.Date
		}
	}
	c.FollowUp = f
	return nil
}
