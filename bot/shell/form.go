package shell

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// form asks a nudge kind's form field by field: the very form every
// adapter shows for that nudge (its script's minutes, the learner it is
// about), or for a check-in or pledge the manager starts, the engine's new
// one. Each answer is checked at once by the engine's own rules
// (Engine.CheckForm), and a wrong one is asked again with what is wrong:
// the answers already given are kept, and nothing is stored until the
// whole form holds.
func (a *Adapter) form(ctx context.Context, kind nudges.Kind, ref string) error {
	f, err := a.formOf(kind, ref)
	if err != nil {
		return err
	}
	a.printf("%s (blank answers are allowed for optional fields)\n", f.Title)
	fields := map[string]string{}
	for _, fl := range f.Fields {
		prompt := fieldPrompt(kind, fl)
		for {
			v, ok := a.ask(prompt)
			if !ok {
				return errors.New("input ended in the middle of the form; nothing was saved")
			}
			if v == "" {
				v = fl.Initial
			}
			fields[fl.ID] = v
			wrong, err := a.wrong(kind, fields, fl.ID)
			if err != nil {
				return err
			}
			if len(wrong) == 0 {
				break
			}
			for _, msg := range wrong {
				a.printf("  ! %s\n", msg)
			}
		}
	}
	res, err := a.e.HandleReply(ctx, converse.Reply{ID: a.replyID(), Manager: a.as, Nudge: ref, Kind: kind, Action: nudges.ActLog, Fields: fields})
	if err != nil {
		return a.failed(err)
	}
	if res.Duplicate {
		a.printf("%s\n", res.Text)
		return nil
	}
	a.printf("✓ %s\n", res.Text)
	return nil
}

// wrong is what the engine finds wrong with field among the answers so far;
// problems of fields not asked yet wait for their turn.
func (a *Adapter) wrong(kind nudges.Kind, fields map[string]string, field string) ([]string, error) {
	fe, err := a.e.CheckForm(a.as, kind, fields)
	if err != nil {
		return nil, err
	}
	var msgs []string
	for _, f := range fe {
		if f.Field == field {
			msgs = append(msgs, f.Msg)
		}
	}
	return msgs, nil
}

// fieldPrompt is a field's label with its choices and the kind of answer
// it takes.
func fieldPrompt(kind nudges.Kind, fl nudges.Field) string {
	prompt := fl.Label
	numbered := kind == nudges.KindPledge && fl.ID == nudges.FieldPledge
	if len(fl.Options) > 0 {
		labels := make([]string, len(fl.Options))
		for i, o := range fl.Options {
			labels[i] = o.Label
			if numbered {
				labels[i] = fmt.Sprintf("%d) %s", i+1, o.Label)
			}
		}
		sep := " / "
		if numbered {
			sep = "; "
		}
		prompt += " [" + strings.Join(labels, sep) + "]"
	}
	switch {
	case fl.Type == nudges.FieldToggle:
		prompt += " (y/n)"
	case fl.Hint != "":
		prompt += " (" + fl.Hint + ")"
	case fl.Initial != "":
		prompt += " (" + fl.Initial + ")"
	}
	return prompt
}

// formOf is the form of nudge ref, or a new one of kind when there is no
// nudge (or it has no form). When last week's pledge awaits its review
// (the form asks whether it was kept), the pledge is shown first.
func (a *Adapter) formOf(kind nudges.Kind, ref string) (*nudges.Form, error) {
	var f *nudges.Form
	if ref != "" {
		n, err := a.e.Show(a.as, ref)
		if err != nil {
			return nil, err
		}
		if n.Closed {
			return nil, errors.New("that nudge is answered already; nothing to fill in")
		}
		f = n.Message.Form
	}
	if f == nil {
		var err error
		if f, err = a.e.NewForm(a.as, kind); err != nil {
			return nil, err
		}
	}
	for _, fl := range f.Fields {
		if fl.ID != nudges.FieldKept {
			continue
		}
		if o, err := a.e.Overview(a.as); err == nil && o.Pledge != "" {
			a.printf("  Last week you pledged: %q\n", o.Pledge)
		}
	}
	return f, nil
}
