package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// LearningEvent is something a learner did in the LMS (see
// converse.LearningEvent).
type LearningEvent = converse.LearningEvent

// HandleEvent schedules the event-relative nudges a learning event calls for
// (the debrief two days after a module, the follow-ups). Each event is
// handled once, however often it is delivered.
func (e *Engine) HandleEvent(ctx context.Context, ev LearningEvent) (int, error) {
	cfg := e.Config()
	team := cfg.TeamOfMember(ev.Learner)
	if team == nil {
		return 0, fmt.Errorf("learning event for %q: %w", ev.Learner, ErrUnknownLearner)
	}
	n := 0
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		got, err := e.ScheduleEvent(tx, cfg, ev)
		n = len(got.IDs)
		return err
	})
	if err == nil && n > 0 {
		e.log.Info().Str("manager", team.Manager).Str("verb", ev.Verb).Int("nudges", n).Msg("learning event scheduled nudges")
	}
	return n, err
}

// SendNow queues a nudge of kind for a manager immediately, outside the
// schedule: L&D's "send a test nudge". It bypasses working hours and the
// daily cap on purpose; it is an explicit request.
func (e *Engine) SendNow(ctx context.Context, managerID string, kind nudges.Kind) ([]string, error) {
	cfg := e.Config()
	m := cfg.Manager(managerID)
	if m == nil {
		return nil, fmt.Errorf("send %s: %w %q", kind, ErrUnknownManager, managerID)
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("send: unknown nudge kind %q (want one of %v)", kind, nudges.Kinds)
	}
	now := e.now()
	d := store.Due{At: now, ID: nudges.NudgeID(m.ID, "send:"+string(kind), now.Format(time.RFC3339Nano)), Manager: m.ID, Kind: kind}
	for _, c := range cfg.Cadences {
		if c.Kind == kind && m.Enrolled(c.Program) {
			d.Cadence = c.ID
			break
		}
	}
	items := e.itemsFor(cfg, m, d, nil)
	for _, it := range items {
		if it.Program == "" && len(m.Programs) > 0 {
			it.Program = m.Programs[0]
		}
		if it.Script == "" && kind == nudges.KindCheckIn {
			if s := anyScript(cfg); s != nil {
				it.Script = s.ID
			}
		}
		it.Cadence = "" // a test nudge borrows the cadence's script, not its reminders
	}
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		for _, it := range items {
			cp := *it
			if err := tx.PutItem(&cp); err != nil {
				return err
			}
		}
		// Who it went to stays out of the audit: an erasure must not
		// leave the person in it.
		return tx.AddAudit(store.Audit{At: now, Actor: converse.ActorOf(ctx), Action: "send", Detail: fmt.Sprintf("a %s nudge to one manager", kind)})
	})
	if err != nil {
		return nil, err
	}
	e.kick()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids, nil
}
