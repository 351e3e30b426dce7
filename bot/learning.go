package bot

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

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
		if c.Event != ev.Verb || !c.For(m) || ev.Program != "" && c.Program != ev.Program {
			continue
		}
		if key, id, ok, err := coalesce(tx, cfg, m, c, ev); err != nil {
			return out, err
		} else if ok {
			out.IDs = append(out.IDs, id)
			out.DueKeys = append(out.DueKeys, key)
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
		if cfg.LMS.Coalesce > 0 {
			if err := tx.SetLMSValue(coalesceKey(m, c, ev), coalesceState(k, ev.At)); err != nil {
				return out, err
			}
		}
	}
	return out, tx.MarkEvent(ev.ID)
}

// Coalescing: when several of a manager's learners finish the same module
// within lms.coalesce of the first, the first one's nudge, while it still
// waits in the due table, takes the others' names instead of each getting
// a nudge of their own. The learners are kept in the row's Learner field,
// separated by learnerSep (ids never hold control characters).

const learnerSep = "\x1f"

func coalesceKey(m *nudges.Manager, c *nudges.Cadence, ev LearningEvent) string {
	return "coalesce\x00" + m.ID + "\x00" + c.ID + "\x00" + ev.Program + "\x00" + ev.Module
}

func coalesceState(dueKey []byte, first time.Time) []byte {
	return binary.BigEndian.AppendUint64(bytes.Clone(dueKey), uint64(first.UnixNano()))
}

// coalesce adds ev's learner to a waiting nudge of cadence c for the same
// module, if there is one it may join, and returns that nudge.
func coalesce(tx *store.Tx, cfg *config.Config, m *nudges.Manager, c *nudges.Cadence, ev LearningEvent) ([]byte, string, bool, error) {
	if cfg.LMS.Coalesce <= 0 {
		return nil, "", false, nil
	}
	st := tx.LMSValue(coalesceKey(m, c, ev))
	if len(st) <= 8 {
		return nil, "", false, nil
	}
	key, first := st[:len(st)-8], time.Unix(0, int64(binary.BigEndian.Uint64(st[len(st)-8:])))
	if d := ev.At.Sub(first); d > cfg.LMS.Coalesce || d < -cfg.LMS.Coalesce {
		return nil, "", false, nil
	}
	d, err := tx.DueRow(key)
	if err != nil || d == nil {
		return nil, "", false, err // already queued or sent: a nudge of its own
	}
	if !slices.Contains(Learners(d.Learner), ev.Learner) {
		d.Learner += learnerSep + ev.Learner
		if _, err := tx.AddDue(*d); err != nil {
			return nil, "", false, err
		}
	}
	return key, d.ID, true, nil
}

// Learners splits an event nudge's Learner field: one learner, or the
// several a coalesced nudge names.
func Learners(field string) []string {
	if field == "" {
		return nil
	}
	return strings.Split(field, learnerSep)
}

// CancelEvent withdraws learning event id, in tx: the nudges it scheduled
// that are still waiting (in the due table, or queued and not yet handed
// to the platform) are cancelled with reason; sent ones stay sent. It
// returns how many were cancelled.
func CancelEvent(tx *store.Tx, id, learner string, n EventNudges, reason string) (int, error) {
	cancelled, partial := 0, false
	for _, k := range n.DueKeys {
		d, err := tx.DueRow(k)
		if err != nil {
			return cancelled, err
		}
		if d == nil {
			continue
		}
		if names := Learners(d.Learner); len(names) > 1 {
			// A coalesced nudge: only this learner's part is withdrawn.
			d.Learner = strings.Join(slices.DeleteFunc(names, func(s string) bool { return s == learner }), learnerSep)
			if _, err := tx.AddDue(*d); err != nil {
				return cancelled, err
			}
			partial = true
			continue
		}
		if err := tx.DeleteDue(k); err != nil {
			return cancelled, err
		}
		cancelled++
	}
	for _, itemID := range n.IDs {
		it, err := tx.Item(itemID)
		if err != nil {
			return cancelled, err
		}
		if names := Learners(itemLearner(it)); len(names) > 1 && it.State == store.Pending {
			upd := *it
			upd.Learner = strings.Join(slices.DeleteFunc(names, func(s string) bool { return s == learner }), learnerSep)
			if err := tx.UpdateItem(it, &upd); err != nil {
				return cancelled, err
			}
			partial = true
			continue
		}
		ok, err := tx.CancelPending(itemID, reason)
		if err != nil {
			return cancelled, err
		}
		if ok {
			cancelled++
		}
	}
	if !partial {
		// A row the daily cap moved to a later day has a key other than
		// the one recorded: the sweep drops it by this mark. (Not for a
		// nudge others' events share, which must still go out.)
		if err := tx.MarkEvent(voidedEvent(id)); err != nil {
			return cancelled, err
		}
	}
	return cancelled, nil
}

func itemLearner(it *store.Item) string {
	if it == nil {
		return ""
	}
	return it.Learner
}

// voidedEvent is the events-bucket key marking event id as withdrawn.
func voidedEvent(id string) string { return "voided\x00" + id }
