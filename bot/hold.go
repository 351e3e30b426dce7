package bot

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// Fatigue guardrail: a manager who leaves pause_after_ignored nudges in a
// row to expire gets no more nudges and one message asking whether to keep
// them, pause them for four weeks or stop. The state lives with the
// manager's (store.ManagerState.Hold) and every step is a coaching log of
// kind "hold", so L&D sees it in the figures and the export.

// holdPause is how long "pause" holds nudges back.
const holdPause = 28 * 24 * time.Hour

// The hold states (store.ManagerState.Hold).
const (
	holdAsked   = "asked"
	holdPaused  = "paused"
	holdStopped = "stopped"
)

// noteIgnored counts nudges that just expired against their managers and,
// for a manager past the limit, holds their nudges and queues the question.
func (e *Engine) noteIgnored(tx *store.Tx, cfg *config.Config, closed []*store.Item, now time.Time) error {
	if cfg.PauseAfterIgnored <= 0 {
		return nil
	}
	for _, it := range closed {
		// A reminder is the same nudge again; the question itself is not a
		// nudge to count.
		if it.Parent != "" || it.Kind == nudges.KindHold || it.Kind == nudges.KindDigest {
			continue
		}
		st, err := tx.ManagerState(it.Manager)
		if err != nil {
			return err
		}
		st.Ignored++
		if st.Ignored >= cfg.PauseAfterIgnored && st.Hold == "" {
			st.Hold = holdAsked
			q := &store.Item{ID: nudges.NudgeID(it.Manager, "hold", now.Format(time.RFC3339Nano)), Manager: it.Manager,
				Kind: nudges.KindHold, Program: it.Program, ScheduledAt: now, State: store.Pending, NextAttempt: now}
			if err := tx.PutItem(q); err != nil {
				return err
			}
			l := &store.Log{ID: "hold/" + q.ID, Manager: it.Manager, Kind: "hold", Program: it.Program, CreatedAt: now,
				Answers: map[string]string{nudges.FieldHold: holdAsked, "ignored": strconv.Itoa(st.Ignored)}}
			if err := tx.AddLog(l); err != nil {
				return err
			}
			e.log.Info().Str("manager", it.Manager).Int("ignored", st.Ignored).Msg("nudges held after several went unanswered")
		}
		if err := tx.PutManagerState(it.Manager, st); err != nil {
			return err
		}
	}
	return nil
}

// heldBack is why a message due now is not sent: its manager's nudges are
// held (a DM other than the question itself or a digest; team channels go
// on). Only delivery asks: a held manager may still answer an old nudge.
func (e *Engine) heldBack(tx *store.Tx, it *store.Item) (string, error) {
	if it.Channel != "" || it.Kind == nudges.KindHold || it.Kind == nudges.KindDigest {
		return "", nil
	}
	st, err := tx.ManagerState(it.Manager)
	if err != nil {
		return "", err
	}
	_, why := held(st, e.now())
	return why, nil
}

// mondayOf is the Monday of d's week.
func mondayOf(d nudges.Date) nudges.Date { return d.AddDays(-((int(d.Weekday()) + 6) % 7)) }

// held says whether a manager's nudges are held back now, and why.
func held(st store.ManagerState, now time.Time) (bool, string) {
	switch st.Hold {
	case holdAsked:
		return true, "nudges held until the manager answers whether to keep them"
	case holdStopped:
		return true, "the manager asked for no more nudges"
	case holdPaused:
		if now.Before(st.HoldUntil) {
			return true, "the manager paused nudges until " + st.HoldUntil.Format(time.DateOnly)
		}
	}
	return false, ""
}

// applyHold records a manager's answer to the question: keep, pause or
// stop. It may come without the question (a manager who stopped and wants
// the nudges back).
func applyHold(tx *store.Tx, m *nudges.Manager, r Reply, l *store.Log, res *Result) error {
	choice := r.Fields[nudges.FieldHold]
	st, err := tx.ManagerState(m.ID)
	if err != nil {
		return err
	}
	switch choice {
	case nudges.HoldKeep:
		st.Hold, st.HoldUntil = "", time.Time{}
		res.Text = "Great: the nudges keep coming."
	case nudges.HoldPause:
		st.Hold, st.HoldUntil = holdPaused, r.At.Add(holdPause)
		res.Text = fmt.Sprintf("Paused: no nudges until %s. They start again on their own after that.", st.HoldUntil.In(m.Calendar.Location).Format(time.DateOnly))
	case nudges.HoldStop:
		st.Hold, st.HoldUntil = holdStopped, time.Time{}
		res.Text = "Stopped: no more nudges. Say \"keep\" any time to have them back."
	default:
		return converse.Invalid(nudges.FieldHold, fmt.Sprintf("answer keep, pause or stop, not %q", choice))
	}
	st.Ignored = 0
	l.Kind, l.Answers[nudges.FieldHold] = "hold", choice
	return tx.PutManagerState(m.ID, st)
}

// answered resets the manager's run of ignored nudges: they answered one.
func resetIgnored(tx *store.Tx, manager string) error {
	st, err := tx.ManagerState(manager)
	if err != nil || st.Ignored == 0 {
		return err
	}
	st.Ignored = 0
	return tx.PutManagerState(manager, st)
}
