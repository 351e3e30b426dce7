package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Texts the bot answers with.
const (
	textStranger = "Sorry, I only work with the managers on this learning rollout, and I couldn't find you on its roster. If you should be on it, ask your L&D team."
	textTryAgain = "Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."
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
	r := converse.Reply{Manager: mgr, Nudge: ca.nudge, Kind: ca.kind, Action: ca.act, Fields: ca.fields}
	switch {
	case ca.act == nudges.ActOutcome:
		learner, outcome, _ := strings.Cut(ca.value, "|")
		r.Fields = map[string]string{nudges.FieldLearner: learner, nudges.FieldOutcome: outcome}
	case ca.act == nudges.ActHold:
		r.Fields = map[string]string{nudges.FieldHold: ca.value}
	case ca.value != "":
		r.Fields["value"] = ca.value
	}
	// What was answered names the reply: the same button (or form of a
	// nudge) pressed again, or its activity delivered again, is stored
	// once. A form not tied to a nudge is one answer per activity.
	if ca.nudge != "" {
		r.ID = "answer:" + url.QueryEscape(ca.nudge) + "/" + url.QueryEscape(ca.act) + "/" + ca.value
	} else {
		r.ID = "teams-form:" + string(ca.kind) + ":" + act.ID
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
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Msg("teams: could not store an answer")
		return noteCard(textTryAgain)
	}
	if ca.nudge == "" {
		return DoneCard(nudges.Message{Title: formTitle(ca.kind)}, res.Text)
	}
	m, open, err := e.Message(mgr, ca.nudge)
	if err != nil {
		return noteCard(res.Text)
	}
	if open && ca.act == nudges.ActOutcome {
		c := CardOf(m, nil, nil)
		c["body"] = append([]any{text("✅ "+res.Text, "color", "Good")}, c["body"].([]any)...)
		return c
	}
	return DoneCard(m, res.Text)
}

// formMessage is what to draw again when an answer had problems.
func (a *Adapter) formMessage(e Engine, mgr string, ca cardAction) (nudges.Message, bool) {
	if ca.nudge != "" {
		m, _, err := e.Message(mgr, ca.nudge)
		return m, err == nil
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

// mention is an @-mention of the bot, which Teams puts in channel text.
var mention = regexp.MustCompile(`<at>[^<]*</at>`)

// message handles typed text: home, a form, a text command, or else a
// note on the latest open nudge.
func (a *Adapter) message(ctx context.Context, w http.ResponseWriter, e Engine, act *Activity) {
	w.WriteHeader(http.StatusOK)
	txt := strings.TrimSpace(mention.ReplaceAllString(act.Text, ""))
	mgr, err := a.manager(ctx, e, act)
	if errors.Is(err, errStranger) {
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textStranger})
		return
	} else if err != nil {
		a.log.Warn().Err(err).Msg("teams: cannot tell who wrote")
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textTryAgain})
		return
	}
	word := strings.ToLower(strings.TrimPrefix(strings.Fields(txt + " x")[0], "/"))
	switch word {
	case "home":
		a.reply(ctx, act, a.home(e, mgr))
		return
	case "checkin", "check-in", "pledge":
		kind := nudges.KindCheckIn
		if word == "pledge" {
			kind = nudges.KindPledge
		}
		m, err := a.standaloneForm(e, mgr, kind)
		if err != nil {
			a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textTryAgain})
			return
		}
		a.reply(ctx, act, cardActivity(CardOf(m, nil, nil), m.Fallback))
		return
	}
	if commandWords[word] {
		if first, err := e.FirstDelivery(ctx, "teams-message:"+act.ID); err != nil || !first {
			return // delivered again: done the first time
		}
		out, err := e.Command(ctx, mgr, txt)
		if err != nil {
			a.log.Error().Err(err).Str("manager", mgr).Msg("teams: command failed")
			out = textTryAgain
		}
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: out})
		return
	}
	res, err := e.HandleReply(ctx, converse.Reply{ID: "teams-message:" + act.ID, Manager: mgr, Action: converse.ActNote,
		Fields: map[string]string{nudges.FieldNote: txt}})
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: "Please check: " + errsText(fe)})
	case err != nil:
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textTryAgain})
	case !res.Duplicate:
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: res.Text})
	}
}

// commandWords are the text commands, as the manifest lists them; other
// text is a note.
var commandWords = map[string]bool{"help": true, "status": true, "snooze": true,
	"send": true, "pause": true, "resume": true, "reload": true, "retry": true}

// home is the manager's week as a card.
func (a *Adapter) home(e Engine, mgr string) *Activity {
	o, err := e.Overview(mgr)
	if err != nil {
		return &Activity{Type: TypeMessage, Text: textTryAgain}
	}
	body := []any{text("Your week", "size", "Large", "weight", "Bolder", "style", "heading")}
	if o.Context != "" {
		body = append(body, text(o.Context, "isSubtle", true, "spacing", "None"))
	}
	if len(o.Open) == 0 {
		body = append(body, text("Nothing waiting for you. Nice work."))
	}
	for _, n := range o.Open {
		body = append(body, text("• "+n.Title))
	}
	if o.Pledge != "" {
		body = append(body, text(fmt.Sprintf("This week's pledge: %s", o.Pledge)))
	}
	for _, p := range o.Teams {
		body = append(body, text(progressLine(p)))
	}
	c := Card{"type": "AdaptiveCard", "version": CardVersion, "body": body,
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json"}
	return cardActivity(c, "Your week")
}
