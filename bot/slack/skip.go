package slack

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/nudges"
)

// SkipCallbackID is the callback_id of the modal that asks why a nudge is
// skipped. The reason is data for L&D, so "skip" always asks.
const SkipCallbackID = "nb:skip"

// SkipModal asks why the manager skips this week's nudge. It is a form
// modal with one field, under its own callback id so that its submission is
// recorded as a skip, not as a log of the nudge.
func SkipModal(nudge string, kind nudges.Kind) slack.ModalViewRequest {
	v := FormModal(nudge, kind, &nudges.Form{
		Title:  "Skip this week",
		Submit: "Skip",
		Fields: []nudges.Field{{
			ID: nudges.FieldReason, Label: "Why skip this week?", Type: nudges.FieldLongText,
			Hint: "A holiday, a busy release, not relevant for your team… It helps L&D plan.",
		}},
	})
	v.CallbackID = SkipCallbackID
	return v
}

// ParseSkip reads a submitted SkipModal: the nudge, its kind and the
// reason (fields[nudges.FieldReason]).
func ParseSkip(view slack.View) (nudge string, kind nudges.Kind, fields map[string]string, err error) {
	if view.CallbackID != SkipCallbackID {
		return "", "", nil, fmt.Errorf("view %s: callback %q: %w", view.ID, view.CallbackID, ErrMalformed)
	}
	view.CallbackID = FormCallbackID // the rest of the modal is a form modal
	return ParseSubmission(view)
}
