package teams

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Card is an Adaptive Card as JSON-ready maps: the card schema is large
// and open, and nudgebot uses a small part of it.
type Card = map[string]any

// CardVersion is the Adaptive Card version Teams renders fully.
const CardVersion = "1.5"

// actionData is what every button carries back: which nudge, what to do,
// and the button's argument. Inputs are merged in beside it.
const (
	dataNudge = "nudge"
	dataAct   = "act"
	dataValue = "value"
	dataKind  = "kind"
)

// CardOf draws a message as an Adaptive Card. errs, when set, are shown
// above the form and beside their fields, and values fill the inputs back
// in, so a manager corrects a mistake without typing everything again.
func CardOf(m nudges.Message, values map[string]string, errs converse.FieldErrors) Card {
	body := []any{}
	if m.Title != "" {
		body = append(body, text(m.Title, "size", "Large", "weight", "Bolder", "style", "heading"))
	}
	if m.Context != "" {
		body = append(body, text(m.Context, "isSubtle", true, "spacing", "None", "size", "Small"))
	}
	for _, l := range m.Lines {
		body = append(body, text(l))
	}
	if len(m.Questions) > 0 {
		var b strings.Builder
		for i, q := range m.Questions {
			fmt.Fprintf(&b, "%d. %s\r", i+1, q)
		}
		body = append(body, text(strings.TrimSpace(b.String())))
	}
	if m.Chart != nil {
		body = append(body, chart(*m.Chart)...)
	}
	if len(errs) > 0 {
		body = append(body, text("Please check: "+errsText(errs), "color", "Attention", "weight", "Bolder"))
	}
	var actions []any
	var outcomes []any
	for _, a := range m.Actions {
		switch a.ID {
		case nudges.ActOutcome:
			outcomes = append(outcomes, execute(a.Label, m, a.ID, a.Value, a.Style))
		case nudges.ActSkip:
			actions = append(actions, skipCard(m, a, values, errs))
		case nudges.ActLog:
			if m.Form != nil {
				body = append(body, formBody(m.Form, values, errs)...)
				label := m.Form.Submit
				if label == "" {
					label = a.Label
				}
				actions = append(actions, execute(label, m, a.ID, a.Value, "positive"))
				continue
			}
			actions = append(actions, execute(a.Label, m, a.ID, a.Value, a.Style))
		default:
			actions = append(actions, execute(a.Label, m, a.ID, a.Value, a.Style))
		}
	}
	if len(outcomes) > 0 {
		// One row per learner would be ideal; an ActionSet wraps the
		// buttons, and each label names the learner.
		body = append(body, map[string]any{"type": "ActionSet", "actions": outcomes})
	}
	c := Card{
		"type": "AdaptiveCard", "version": CardVersion,
		"$schema":      "http://adaptivecards.io/schemas/adaptive-card.json",
		"body":         body,
		"fallbackText": m.Fallback,
		// Full width in Teams: forms are cramped otherwise.
		"msteams": map[string]any{"width": "Full"},
	}
	if len(actions) > 0 {
		c["actions"] = actions
	}
	return c
}

// DoneCard is an answered nudge: what it was and what was recorded, with
// no buttons left to press.
func DoneCard(m nudges.Message, result string) Card {
	body := []any{}
	if m.Title != "" {
		body = append(body, text(m.Title, "size", "Large", "weight", "Bolder", "style", "heading"))
	}
	if m.Context != "" {
		body = append(body, text(m.Context, "isSubtle", true, "spacing", "None", "size", "Small"))
	}
	body = append(body, text("✅ "+result, "color", "Good"))
	return Card{"type": "AdaptiveCard", "version": CardVersion,
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"body":    body, "fallbackText": result, "msteams": map[string]any{"width": "Full"}}
}

// execute is an Action.Execute (answered in the invoke response, so the
// card updates at once) falling back to Action.Submit on clients without
// Universal Actions (then the card is updated with a PUT).
func execute(title string, m nudges.Message, act, value, style string) map[string]any {
	data := map[string]any{dataNudge: m.Nudge, dataAct: act, dataKind: string(m.Kind)}
	if value != "" {
		data[dataValue] = value
	}
	a := map[string]any{"type": "Action.Execute", "title": title, "verb": act, "data": data,
		"fallback": map[string]any{"type": "Action.Submit", "title": title, "data": data}}
	switch style {
	case "primary", "positive":
		a["style"] = "positive"
	case "danger", "destructive":
		a["style"] = "destructive"
	}
	return a
}

// skipCard asks for the reason before skipping: the engine refuses a skip
// without one.
func skipCard(m nudges.Message, a nudges.Action, values map[string]string, errs converse.FieldErrors) map[string]any {
	in := map[string]any{"type": "Input.Text", "id": nudges.FieldReason, "label": "Why skip this week?",
		"isRequired": true, "errorMessage": "Say why you skip this week", "maxLength": 500}
	if v := values[nudges.FieldReason]; v != "" {
		in["value"] = v
	}
	sub := Card{"type": "AdaptiveCard", "body": []any{in}, "actions": []any{execute("Skip", m, a.ID, a.Value, "destructive")}}
	return map[string]any{"type": "Action.ShowCard", "title": a.Label, "card": sub}
}

// formBody draws a form's fields as inputs.
func formBody(f *nudges.Form, values map[string]string, errs converse.FieldErrors) []any {
	var out []any
	if f.Title != "" {
		out = append(out, text(f.Title, "weight", "Bolder", "separator", true))
	}
	for _, fd := range f.Fields {
		if fd.Type == nudges.FieldText && len(fd.Options) > 0 {
			// Suggestions for a free-text answer: listed to copy from,
			// since a choice set would forbid one's own words.
			var b strings.Builder
			b.WriteString("Ideas:")
			for _, o := range fd.Options {
				b.WriteString("\r- " + o.Label)
			}
			out = append(out, text(b.String(), "isSubtle", true))
		}
		out = append(out, input(fd, values, errs))
	}
	return out
}

func input(fd nudges.Field, values map[string]string, errs converse.FieldErrors) map[string]any {
	in := map[string]any{"id": fd.ID, "label": fd.Label, "isRequired": !fd.Optional}
	v, ok := values[fd.ID]
	if !ok {
		v = fd.Initial
	}
	switch fd.Type {
	case nudges.FieldLongText:
		in["type"], in["isMultiline"], in["maxLength"] = "Input.Text", true, 3000
	case nudges.FieldNumber:
		in["type"], in["min"] = "Input.Number", 0
	case nudges.FieldDate:
		in["type"] = "Input.Date"
	case nudges.FieldToggle:
		in["type"], in["title"], in["valueOn"], in["valueOff"] = "Input.Toggle", fd.Label, "true", "false"
		in["isRequired"] = false
	case nudges.FieldChoice:
		in["type"] = "Input.ChoiceSet"
		choices := make([]any, len(fd.Options))
		for i, o := range fd.Options {
			choices[i] = map[string]any{"title": o.Label, "value": o.Value}
		}
		in["choices"] = choices
	default:
		in["type"], in["maxLength"] = "Input.Text", 500
	}
	if fd.Hint != "" && in["type"] == "Input.Text" {
		in["placeholder"] = fd.Hint
	}
	switch {
	case v == "":
	case fd.Type == nudges.FieldNumber:
		// The schema wants a number; what cannot be read as one is left
		// out and the error beside the field says why.
		if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			in["value"] = n
		}
	default:
		in["value"] = v
	}
	msg := ""
	for _, e := range errs {
		if e.Field == fd.ID {
			msg = e.Msg
		}
	}
	if msg != "" {
		in["errorMessage"] = msg
	} else if !fd.Optional {
		in["errorMessage"] = fd.Label + " is required"
	}
	return in
}

func text(s string, kv ...any) map[string]any {
	t := map[string]any{"type": "TextBlock", "text": s, "wrap": true}
	for i := 0; i+1 < len(kv); i += 2 {
		t[kv[i].(string)] = kv[i+1]
	}
	return t
}

func errsText(errs converse.FieldErrors) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Msg
	}
	return strings.Join(parts, "; ")
}

// cardActivity wraps a card in a message activity.
func cardActivity(c Card, summary string) *Activity {
	return &Activity{Type: TypeMessage, Summary: summary, Attachments: []Attachment{{ContentType: ContentTypeCard, Content: c}}}
}

// progressLine is one team's progress in words.
func progressLine(p nudges.Progress) string {
	name := "Your team"
	if p.Team != nil {
		name = p.Team.Name
	}
	return fmt.Sprintf("%s: %d of %d learners applied it so far; %d check-ins this week.", name, p.Applied, p.Learners, p.CheckIns)
}

// chart draws a summary's progress as a bar made of two coloured columns,
// in the card itself: an image would have to be hosted or inlined as a
// data URI against Teams' 28 KB limit. It carries aggregates only.
func chart(c nudges.Chart) []any {
	pct := int(c.AppliedShare()*100 + 0.5)
	out := []any{text(fmt.Sprintf("%s: %d of %d learners applied it (%d%%); target %d%%.", c.Label, c.Applied, c.Learners, pct, int(c.TargetShare*100+0.5)))}
	var cols []any
	if pct > 0 {
		cols = append(cols, map[string]any{"type": "Column", "width": pct, "style": "good", "minHeight": "12px", "items": []any{}})
	}
	if pct < 100 {
		cols = append(cols, map[string]any{"type": "Column", "width": 100 - pct, "style": "emphasis", "minHeight": "12px", "items": []any{}})
	}
	return append(out, map[string]any{"type": "ColumnSet", "columns": cols, "spacing": "Small"})
}
