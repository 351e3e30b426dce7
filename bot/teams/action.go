package teams

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Texts the bot answers with.
const (
	textStranger = "Sorry, I only work with the managers on this learning rollout, and I couldn't find you on its roster. If you should be on it, ask your L&D team."
	textTryAgain = "Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."
	textGone     = "That nudge is no longer there, so I haven't recorded anything."
)

// cardAction is a button press: the data the card carried plus the inputs.
type cardAction struct {
	nudge, act, value string
	kind              nudges.Kind
	fields            map[string]string
}

// parseCardAction reads an invoke's value ({"action":{"data":…}}) or a
// submit's value (the data itself).
func parseCardAction(raw json.RawMessage, invoke bool) (cardAction, error) {
	var data map[string]any
	if invoke {
		var v struct {
			Action struct {
				Type string         `json:"type"`
				Verb string         `json:"verb"`
				Data map[string]any `json:"data"`
			} `json:"action"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return cardAction{}, err
		}
		data = v.Action.Data
		if data != nil && v.Action.Verb != "" {
			data[dataAct] = v.Action.Verb
		}
	} else if err := json.Unmarshal(raw, &data); err != nil {
		return cardAction{}, err
	}
	ca := cardAction{fields: map[string]string{}}
	for k, v := range data {
		s, ok := v.(string)
		if !ok {
			continue // inputs are strings; anything else is not ours
		}
		switch k {
		case dataNudge:
			ca.nudge = s
		case dataAct:
			ca.act = s
		case dataValue:
			ca.value = s
		case dataKind:
			ca.kind = nudges.Kind(s)
		default:
			ca.fields[k] = s
		}
	}
	if ca.act == "" {
		return cardAction{}, errors.New("no action")
	}
	return ca, nil
}

// invoke answers an Action.Execute with the card as it should now read.
func (a *Adapter) invoke(ctx context.Context, w http.ResponseWriter, e Engine, act *Activity) {
	card := a.answer(ctx, e, act, true)
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 200, "type": ContentTypeCard, "value": card})
}

// submit handles an Action.Submit (clients without Universal Actions):
// the answer is stored, then the card is updated in place.
func (a *Adapter) submit(ctx context.Context, w http.ResponseWriter, e Engine, act *Activity) {
	card := a.answer(ctx, e, act, false)
	if act.ReplyToID != "" {
		up := cardActivity(card, "")
		err := a.retry(ctx, func() error {
			return a.client.UpdateActivity(ctx, act.ServiceURL, act.Conversation.ID, act.ReplyToID, up)
		})
		if err != nil {
			a.log.Warn().Err(err).Msg("teams: could not update a card")
		}
	}
	w.WriteHeader(http.StatusOK)
}

// retry runs an update a few times, backing off with jitter on answers
// that say "later" (412, 502, 504, a network error).
func (a *Adapter) retry(ctx context.Context, f func() error) error {
	wait := 200 * time.Millisecond
	var err error
	for range 3 {
		if err = f(); err == nil {
			return nil
		}
		var p *converse.PermanentError
		var r *converse.RetryAfterError
		switch {
		case errors.As(err, &p):
			return err
		case errors.As(err, &r):
			wait = r.After
		}
		if sleep(ctx, jitter(wait)) != nil {
			return err
		}
		wait *= 2
	}
	return err
}

// answer stores a card action and returns the card to show: done, still
// open with what was recorded, or the form again with its problems.
func (a *Adapter) answer(ctx context.Context, e Engine, act *Activity, invoke bool) Card {
	ca, err := parseCardAction(act.Value, invoke)
	if err != nil {
		return noteCard("Sorry, I couldn't read that button.")
	}
	mgr, err := a.manager(ctx, e, act)
	if errors.Is(err, errStranger) {
		return noteCard(textStranger)
	} else if err != nil {
		return noteCard(textTryAgain)
	}
	r := converse.Reply{ID: replyID(e, mgr, act, ca), Manager: mgr, Nudge: ca.nudge, Kind: ca.kind, Action: ca.act, Fields: ca.fields}
	switch {
	case ca.act == nudges.ActOutcome:
		learner, outcome, _ := strings.Cut(ca.value, "|")
		r.Fields = map[string]string{nudges.FieldLearner: learner, nudges.FieldOutcome: outcome}
	case ca.act == nudges.ActHold:
		r.Fields = map[string]string{nudges.FieldHold: ca.value}
	case ca.value != "":
		r.Fields["value"] = ca.value
	}
	res, err := e.HandleReply(ctx, r)
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		m, ok := a.formMessage(e, mgr, ca)
		if !ok {
			return noteCard("Please check: " + errsText(fe))
		}
		return CardOf(m, ca.fields, fe)
	case errors.Is(err, converse.ErrUnknownNudge):
		return noteCard(textGone)
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Msg("teams: could not store an answer")
		return noteCard(textTryAgain)
	}
	if ca.nudge == "" {
		return DoneCard(nudges.Message{Title: formTitle(ca.kind)}, res.Text)
	}
	return answered(e, mgr, ca.nudge, ca.act, res.Text)
}

// replyID names a card action by what was answered (converse.AnswerID):
// the same button or form of a nudge pressed again, from Action.Execute or
// its Action.Submit fallback, or delivered again, is one answer, and an
// outcome is keyed on the learner and the outcome as the roster spells
// them, as when typed. A form not tied to a nudge (a check-in or pledge
// the manager started) has no such key: it is one answer per activity
// (converse.DeliveryID), which a redelivery repeats.
func replyID(e Engine, mgr string, act *Activity, ca cardAction) string {
	if ca.nudge == "" {
		return converse.DeliveryID("teams-form", act.ID)
	}
	arg := ""
	if ca.act == nudges.ActOutcome {
		arg = ca.value
		learner, outcome, _ := strings.Cut(ca.value, "|")
		f := map[string]string{nudges.FieldLearner: learner, nudges.FieldOutcome: outcome}
		if mb, value, _, errs := converse.Outcome(e.Config(), mgr, f); len(errs) == 0 {
			arg = mb.ID + "|" + value
		}
	}
	return converse.AnswerID(ca.nudge, ca.act, arg)
}

// answered is a nudge's card after an answer: still open for the other
// learners after an outcome, otherwise done, saying what was recorded.
func answered(e Engine, mgr, nudge, act, said string) Card {
	n, err := e.Show(mgr, nudge)
	if err != nil {
		return noteCard(said)
	}
	if !n.Closed && act == nudges.ActOutcome {
		c := CardOf(n.Message, nil, nil)
		c["body"] = append([]any{text("✅ "+said, "color", "Good")}, c["body"].([]any)...)
		return c
	}
	return DoneCard(n.Message, said)
}

// formMessage is what to draw again when an answer had problems.
func (a *Adapter) formMessage(e Engine, mgr string, ca cardAction) (nudges.Message, bool) {
	if ca.nudge != "" {
		n, err := e.Show(mgr, ca.nudge)
		return n.Message, err == nil
	}
	m, err := a.standaloneForm(e, mgr, ca.kind)
	return m, err == nil
}

// standaloneForm is a check-in or pledge the manager starts by command.
func (a *Adapter) standaloneForm(e Engine, mgr string, kind nudges.Kind) (nudges.Message, error) {
	f, err := e.NewForm(mgr, kind)
	if err != nil {
		return nudges.Message{}, err
	}
	return nudges.Message{Kind: kind, Title: formTitle(kind), Form: f, Fallback: formTitle(kind),
		Actions: []nudges.Action{{ID: nudges.ActLog, Label: f.Submit}}}, nil
}

func formTitle(kind nudges.Kind) string {
	if kind == nudges.KindPledge {
		return "Weekly pledge"
	}
	return "Log a check-in"
}

func noteCard(s string) Card {
	return Card{"type": "AdaptiveCard", "version": CardVersion, "body": []any{text(s)}}
}
