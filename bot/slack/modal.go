package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/slack-go/slack"
)

// FormCallbackID is the callback_id of every form modal; the adapter routes
// view_submission payloads carrying it to ParseSubmission.
const FormCallbackID = "nb:form"

// ErrMalformed says a payload handed to ParseSubmission is not a form this
// package rendered, or was damaged on the way. Nothing in it can be trusted,
// so nothing of it should be recorded.
var ErrMalformed = errors.New("malformed or foreign Slack payload")

const (
	// suggestionSuffix marks the block of suggestions that accompanies a
	// free-text field with options (the weekly pledge). The free text keeps
	// the field's own id, so errors keyed by field id show under the box the
	// manager types in.
	suggestionSuffix = ".suggestion"
	yes, no          = "yes", "no"
	// longPrefix starts the stand-in value of an option whose real value is
	// longer than Slack's 150 characters.
	longPrefix = "nb~"
)

// metadata is what a modal carries through Slack in private_metadata, so a
// submission names its nudge without server-side session state (the bot
// may have restarted between opening and submitting the form).
type metadata struct {
	Nudge string      `json:"n,omitempty"` // empty for a form the manager opened with /nudge
	Kind  nudges.Kind `json:"k"`
	// Long maps field id → stand-in option value → real value, for option
	// values too long for Slack. Real values are never truncated: a
	// truncated pledge would be stored as the manager's words.
	Long map[string]map[string]string `json:"o,omitempty"`
}

var integer = regexp.MustCompile(`^-?[0-9]+$`)

// FormModal renders a nudge's form as a modal: one input block per field,
// whose block_id and action_id are the field id. Field types map to
//
//	FieldText      plain_text_input
//	FieldLongText  plain_text_input, multiline
//	FieldNumber    number_input (whole numbers)
//	FieldDate      datepicker
//	FieldChoice    static_select (option groups beyond 100 options)
//	FieldToggle    checkboxes with one option, "yes"
//
// A FieldText with Options (the weekly pledge: suggestions, or your own
// words) becomes two inputs: a static_select of the suggestions, block id
// "<field>.suggestion", then a plain_text_input with the field's own id.
// Both are optional because Slack cannot require "one of the two"; the
// engine checks the merged answer (see ParseSubmission) and its error is
// shown under the free-text box.
//
// Toggles are always optional: a required checkbox could only be answered
// "yes".
func FormModal(nudge string, kind nudges.Kind, f *nudges.Form) slack.ModalViewRequest {
	if f == nil {
		f = &nudges.Form{}
	}
	meta := metadata{Nudge: nudge, Kind: kind}
	base, _ := json.Marshal(meta)
	room := maxMetadata - len(base) - len(`,"o":{}`)
	var blocks []slack.Block
	for _, fd := range f.Fields {
		blocks = append(blocks, inputs(fd, &meta, &room)...)
	}
	if len(blocks) == 0 {
		blocks = append(blocks, section("empty", "Nothing to fill in: submit to confirm."))
	}
	if len(blocks) > maxSurface {
		blocks = blocks[:maxSurface]
	}
	md, _ := json.Marshal(meta)
	title, submit := f.Title, f.Submit
	if blank(title) {
		title = "nudgebot"
	}
	if blank(submit) {
		submit = "Save"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      FormCallbackID,
		Title:           plain(title, maxModalText),
		Submit:          plain(submit, maxModalText),
		Close:           plain("Cancel", maxModalText),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: string(md),
	}
}

// inputs renders one field as its input block(s).
func inputs(fd nudges.Field, meta *metadata, room *int) []slack.Block {
	id := clampID(fd.ID)
	label := fd.Label
	if blank(label) {
		label = fd.ID
	}
	var hint *slack.TextBlockObject
	if !blank(fd.Hint) {
		hint = plain(fd.Hint, maxLabel)
	}
	optional := fd.Optional
	var el slack.BlockElement
	switch fd.Type {
	case nudges.FieldNumber:
		n := slack.NewNumberInputBlockElement(nil, id, false)
		if integer.MatchString(fd.Initial) {
			n.InitialValue = fd.Initial
		}
		el = n
	case nudges.FieldDate:
		d := slack.NewDatePickerBlockElement(id)
		if _, err := nudges.ParseDate(fd.Initial); err == nil {
			d.InitialDate = fd.Initial
		}
		el = d
	case nudges.FieldToggle:
		opt := slack.NewOptionBlockObject(yes, plain("Yes", maxButtonText), nil)
		c := slack.NewCheckboxGroupsBlockElement(id, opt)
		if isYes(fd.Initial) {
			c.InitialOptions = []*slack.OptionBlockObject{opt}
		}
		el, optional = c, true
	case nudges.FieldChoice:
		if s := selectMenu(id, fd, "Choose…", meta, room); s != nil {
			el = s
		}
	case nudges.FieldText:
		if len(fd.Options) > 0 {
			return suggested(id, label, hint, fd, meta, room)
		}
	}
	if el == nil { // text, long text, an unknown type, or a choice without options
		el = textInput(id, fd.Type == nudges.FieldLongText, fd.Initial)
	}
	b := slack.NewInputBlock(id, plain(label, maxLabel), hint, el)
	b.Optional = optional
	return []slack.Block{b}
}

// suggested renders a free-text field with suggestions as a menu of the
// suggestions followed by a text box for the manager's own words.
func suggested(id, label string, hint *slack.TextBlockObject, fd nudges.Field, meta *metadata, room *int) []slack.Block {
	initial := fd.Initial
	var blocks []slack.Block
	sid := clampID(fd.ID + suggestionSuffix)
	if s := selectMenu(sid, fd, "Pick a suggestion", meta, room); s != nil {
		if s.InitialOption != nil {
			initial = "" // the initial value is one of the suggestions
		}
		b := slack.NewInputBlock(sid, plain(label, maxLabel), plain("Or write your own below.", maxLabel), s)
		b.Optional = true
		blocks = append(blocks, b)
		label = "…or in your own words"
	}
	b := slack.NewInputBlock(id, plain(label, maxLabel), hint, textInput(id, false, initial))
	b.Optional = fd.Optional || len(blocks) > 0
	return append(blocks, b)
}

func textInput(id string, multiline bool, initial string) *slack.PlainTextInputBlockElement {
	t := slack.NewPlainTextInputBlockElement(nil, id)
	t.Multiline = multiline
	t.InitialValue = truncate(initial, maxSection)
	return t
}

// selectMenu renders a field's options as a static_select, or nil when no
// option can be shown. Option values longer than Slack allows are replaced
// by stand-ins resolved through the modal's metadata, as long as the
// metadata has room; an option that fits nowhere is left out.
func selectMenu(actionID string, fd nudges.Field, placeholder string, meta *metadata, room *int) *slack.SelectBlockElement {
	short := make(map[string]bool, len(fd.Options))
	for _, o := range fd.Options {
		short[o.Value] = true
	}
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for i, o := range fd.Options {
		if o.Value == "" {
			continue // Slack requires a value, and "" means "no answer" to the engine
		}
		v := o.Value
		if utf8.RuneCountInString(v) > maxOptionValue {
			v = longPrefix + strconv.Itoa(i)
			for short[v] {
				v += "~"
			}
			cost := jsonLen(v) + jsonLen(o.Value) + 2
			if meta.Long[fd.ID] == nil {
				cost += jsonLen(fd.ID) + 4
			}
			if cost > *room {
				continue
			}
			*room -= cost
			if meta.Long == nil {
				meta.Long = map[string]map[string]string{}
			}
			if meta.Long[fd.ID] == nil {
				meta.Long[fd.ID] = map[string]string{}
			}
			meta.Long[fd.ID][v] = o.Value
		}
		label := o.Label
		if blank(label) {
			label = o.Value
		}
		opt := slack.NewOptionBlockObject(v, plain(label, maxButtonText), nil)
		opts = append(opts, opt)
		if fd.Initial != "" && o.Value == fd.Initial {
			initial = opt
		}
	}
	if len(opts) == 0 {
		return nil
	}
	s := &slack.SelectBlockElement{Type: slack.OptTypeStatic, ActionID: actionID, Placeholder: plain(placeholder, maxPlaceholder), InitialOption: initial}
	if len(opts) <= 100 {
		s.Options = opts
		return s
	}
	// Slack allows 100 options per menu, or 100 groups of 100.
	for i := 0; i < len(opts) && len(s.OptionGroups) < 100; i += 100 {
		end := min(i+100, len(opts))
		label := plain(fmt.Sprintf("%d–%d", i+1, end), maxButtonText)
		s.OptionGroups = append(s.OptionGroups, slack.NewOptionGroupBlockElement(label, opts[i:end]...))
	}
	return s
}

// ParseSubmission reads a submitted form modal back into the field ids and
// string values the engine validates (converse.Reply.Fields):
//
//	plain_text_input, number_input  the text as typed ("" when left empty)
//	datepicker                      YYYY-MM-DD ("" when none)
//	static_select                   the chosen option's value ("" when none)
//	checkboxes                      "yes" or "no"
//
// For a free-text field with suggestions (the pledge), the manager's own
// words win when they are not blank; otherwise the chosen suggestion is the
// answer. nudge and kind come from the modal's private_metadata.
func ParseSubmission(view slack.View) (nudge string, kind nudges.Kind, fields map[string]string, err error) {
	if view.CallbackID != FormCallbackID {
		return "", "", nil, fmt.Errorf("view %s: callback %q: %w", view.ID, view.CallbackID, ErrMalformed)
	}
	var meta metadata
	if err := json.Unmarshal([]byte(view.PrivateMetadata), &meta); err != nil {
		return "", "", nil, fmt.Errorf("view %s: private_metadata: %w (%v)", view.ID, ErrMalformed, err)
	}
	if meta.Kind == "" {
		return "", "", nil, fmt.Errorf("view %s: private_metadata names no kind: %w", view.ID, ErrMalformed)
	}
	if view.State == nil {
		return "", "", nil, fmt.Errorf("view %s: no state: %w", view.ID, ErrMalformed)
	}
	fields = map[string]string{}
	suggestions := map[string]string{}
	for _, actions := range view.State.Values {
		for actionID, a := range actions {
			field, isSuggestion := strings.CutSuffix(actionID, suggestionSuffix)
			v := stateValue(a)
			if full, ok := meta.Long[field][v]; ok && string(a.Type) == slack.OptTypeStatic {
				v = full
			}
			if isSuggestion {
				suggestions[field] = v
			} else {
				fields[field] = v
			}
		}
	}
	for field, s := range suggestions {
		if blank(fields[field]) {
			fields[field] = s
		}
	}
	return meta.Nudge, meta.Kind, fields, nil
}

// stateValue is one input's value as a string.
func stateValue(a slack.BlockAction) string {
	switch string(a.Type) {
	case string(slack.METCheckboxGroups):
		for _, o := range a.SelectedOptions {
			if o.Value == yes {
				return yes
			}
		}
		return no
	case string(slack.METDatepicker):
		return a.SelectedDate
	case slack.OptTypeStatic:
		return a.SelectedOption.Value
	}
	return a.Value
}

// ErrorsResponse shows the engine's field errors inline in the open modal.
// The keys are field ids, which are the input blocks' ids; for the pledge
// the error appears under the free-text box.
func ErrorsResponse(errs map[string]string) *slack.ViewSubmissionResponse {
	out := make(map[string]string, len(errs))
	for field, msg := range errs {
		out[clampID(field)] = msg
	}
	return slack.NewErrorsViewSubmissionResponse(out)
}

func isYes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case yes, "true", "on", "1":
		return true
	}
	return false
}

func jsonLen(s string) int {
	b, _ := json.Marshal(s)
	return len(b)
}
