package bot

import (
	"fmt"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// Learning events from outside (the LMS intake) are scheduled inside the
// caller's transaction: the statement that carried the event and the
// nudges it calls for become durable in one commit, so a crash can neither
// keep the statement without its nudges nor the nudges without the record
// that would let a voiding statement cancel them.

// EventNudges are the nudges one learning event scheduled: their outbox ids
// and the due-table keys they wait under.
type EventNudges struct {
	IDs     []string
	DueKeys [][]byte
}

// ScheduleEvent schedules, in tx, the event-relative nudges ev calls for
// under cfg (the debrief, the follow-ups). An event already handled
// schedules nothing. An unknown learner is ErrUnknownLearner.
func (e *Engine) ScheduleEvent(tx *store.Tx, cfg *config.Config, ev LearningEvent) (EventNudges, error) {
	var out EventNudges
	team := cfg.TeamOfMember(ev.Learner)
	if team == nil {
		return out, fmt.Errorf("learning event for %q: %w", ev.Learner, ErrUnknownLearner)
	}
	m := cfg.Manager(team.Manager)
	if ev.ID == "" {
		ev.ID = nudges.NudgeID(ev.Learner, ev.Verb, ev.Module)
	}
	if ev.At.IsZero() {
		ev.At = e.now()
	}
	if tx.SeenEvent(ev.ID) {
		return out, nil
	}
	for _, c := range cfg.Cadences {
		if c.Event != ev.Verb || !m.Enrolled(c.Program) || ev.Program != "" && c.Program != ev.Program {
			continue
		}
		at, ok := c.EventDue(&m.Calendar, ev.At)
		if !ok {
			continue
		}
		d := store.Due{At: at, ID: nudges.NudgeID(m.ID, c.ID, ev.ID), Manager: m.ID, Cadence: c.ID,
			Kind: c.Kind, Event: ev.ID, Learner: ev.Learner, Module: ev.Module}
		k, err := tx.AddDue(d)
		if err != nil {
			return out, err
		}
		out.IDs = append(out.IDs, d.ID)
		out.DueKeys = append(out.DueKeys, k)
	}
	return out, tx.MarkEvent(ev.ID)
}

// CancelEvent withdraws learning event id, in tx: the nudges it scheduled
// that are still waiting (in the due table, or queued and not yet handed
// to the platform) are cancelled with reason; sent ones stay sent. It
// returns how many were cancelled.
func CancelEvent(tx *store.Tx, id string, n EventNudges, reason string) (int, error) {
	// Marked first: a row the daily cap moved to a later day has a key
	// other than the one recorded, and the sweep drops it by this mark.
	if err := tx.MarkEvent(voidedEvent(id)); err != nil {
		return 0, err
	}
	cancelled := 0
	for _, k := range n.DueKeys {
		if tx.HasDue(k) {
			if err := tx.DeleteDue(k); err != nil {
				return cancelled, err
			}
			cancelled++
		}
	}
	for _, itemID := range n.IDs {
		ok, err := tx.CancelPending(itemID, reason)
		if err != nil {
			return cancelled, err
		}
		if ok {
			cancelled++
		}
	}
	return cancelled, nil
}

// voidedEvent is the events-bucket key marking event id as withdrawn.
func voidedEvent(id string) string { return "voided\x00" + id }
