package slack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Modal submissions: the check-in, pledge and skip forms come back here,
// are checked, and are either stored or sent back with the fields to fix.

// submission records a submitted form or skip modal. It runs before the
// acknowledgement, because validation errors must ride in it to show
// under the fields; the engine's write takes a few milliseconds.
func (a *Adapter) submission(ctx context.Context, e Engine, cb slack.InteractionCallback) ack {
	ctx, cancel := context.WithTimeout(ctx, submitBudget)
	defer cancel()
	v := cb.View
	action := nudges.ActLog
	var (
		nudge  string
		kind   nudges.Kind
		fields map[string]string
		err    error
	)
	switch v.CallbackID {
	case FormCallbackID:
		nudge, kind, fields, err = ParseSubmission(v)
	case SkipCallbackID:
		nudge, kind, fields, err = ParseSkip(v)
		action = nudges.ActSkip
	default:
		return ack{} // not a modal of ours
	}
	uid := cb.User.ID
	if err != nil {
		a.log.Warn().Err(err).Str("slack_user", uid).Msg("unreadable form submission")
		return a.formError(e, v, uid, textCantRead)
	}
	mgr, err := a.managerOf(ctx, e, uid)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", uid).Msg("cannot tell who submitted a form")
		return a.formError(e, v, uid, textTryAgain)
	}
	if mgr == "" {
		return a.formError(e, v, uid, textUnknown)
	}
	res, err := e.HandleReply(ctx, converse.Reply{ID: converse.DeliveryID("view", v.ID+":"+v.Hash), Manager: mgr, Nudge: nudge, Kind: kind, Action: action, Fields: fields})
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		if body := fieldErrors(v, fe); body != nil {
			return ack{body: body}
		}
		return a.formError(e, v, uid, sentences(fe))
	case errors.Is(err, converse.ErrUnknownNudge):
		return a.formError(e, v, uid, textGone)
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Str("nudge_id", nudge).Msg("could not record a form")
		return a.formError(e, v, uid, textTryAgain)
	case res.Duplicate:
		return ack{} // the first delivery was recorded; closing the modal is all that is left
	}
	// An empty acknowledgement closes the modal; the message it answered
	// then loses its buttons.
	return ack{then: func(ctx context.Context) {
		if nudge != "" {
			a.redraw(ctx, e, mgr, nudge, action, "", res.Text, "", "")
			return
		}
		a.tellDM(ctx, e, uid, escape(res.Text)) // a form opened with /nudge: no message to update
	}}
}

// formError keeps a modal open with msg under its first input; a modal
// without inputs is closed and the user told in a direct message instead.
func (a *Adapter) formError(e Engine, v slack.View, uid, msg string) ack {
	if ids := inputIDs(v); len(ids) > 0 {
		return ack{body: ErrorsResponse(map[string]string{ids[0]: msg})}
	}
	return ack{then: func(ctx context.Context) { a.tellDM(ctx, e, uid, msg) }}
}

// fieldErrors shows the engine's validation errors under their fields. An
// error about something that is not a field of this modal (the nudge was
// answered meanwhile) shows under the first input, because Slack rejects
// errors keyed by a block the view does not have.
func fieldErrors(v slack.View, fe converse.FieldErrors) *slack.ViewSubmissionResponse {
	ids := inputIDs(v)
	if len(ids) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, f := range fe {
		id, msg := f.Field, sentence(f.Msg)
		if !slices.Contains(ids, clampID(id)) {
			id = ids[0]
		}
		if out[id] != "" {
			msg = out[id] + " " + msg
		}
		out[id] = msg
	}
	return ErrorsResponse(out)
}

// inputIDs lists the block ids of a view's input blocks, in order.
func inputIDs(v slack.View) []string {
	var ids []string
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID != "" {
			ids = append(ids, in.BlockID)
		}
	}
	return ids
}

// sentences joins field errors into text for a person.
func sentences(fe converse.FieldErrors) string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = sentence(f.Msg)
	}
	return strings.Join(parts, " ")
}

// sentence capitalises msg and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}
