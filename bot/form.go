package bot

import (
	"fmt"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// The rules a form's answers must meet are the conversation layer's
// (converse.Check and its parts): HandleReply applies them before it
// writes, and CheckForm lets an adapter that asks one field at a time (the
// shell) apply them after each answer, so a wrong answer is asked again
// instead of costing the whole form.

// CheckForm checks the answers given so far to a kind's form with the rules
// HandleReply applies on submit, and stores nothing. Every problem is
// listed, those of fields not answered yet included: an adapter asking
// field by field looks only at the field it just asked. The error is for a
// manager not on the roster or a store that cannot be read.
func (e *Engine) CheckForm(managerID string, kind nudges.Kind, fields map[string]string) (FieldErrors, error) {
	cfg := e.Config()
	m := cfg.Manager(managerID)
	if m == nil {
		return nil, fmt.Errorf("check form: %w %q", ErrUnknownManager, managerID)
	}
	if kind != nudges.KindCheckIn && kind != nudges.KindPledge {
		return FieldErrors{}.Add("kind", fmt.Sprintf("no form for a %q nudge", kind)), nil
	}
	r := Reply{Manager: m.ID, Kind: kind, Action: nudges.ActLog, Fields: fields}
	awaiting, err := e.awaitingReview(r)
	if err != nil {
		return nil, fmt.Errorf("check form of %s: %w", m.ID, err)
	}
	return converse.Check(cfg, r, nudges.DateOf(e.now().In(m.Calendar.Location)), awaiting), nil
}

// awaitingReview reports whether a reply is a pledge made while last
// week's pledge waits for its review (then the form asks whether it was
// kept). Only a pledge needs the store read.
func (e *Engine) awaitingReview(r Reply) (bool, error) {
	if r.Action != nudges.ActLog || r.Kind != nudges.KindPledge {
		return false, nil
	}
	var st store.ManagerState
	err := e.store.View(func(tx *store.Tx) (err error) {
		st, err = tx.ManagerState(r.Manager)
		return err
	})
	return st.Pledge != nil && !st.Pledge.Reviewed, err
}
