package slack_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/slack-go/slack"
)

// checkModal validates a modal and returns its JSON and blocks.
func checkModal(tb testing.TB, v slack.ModalViewRequest) (map[string]any, []any) {
	tb.Helper()
	doc := asJSON(tb, v).(map[string]any)
	blocks, _ := doc["blocks"].([]any)
	checkPayload(tb, mustBlockKit(tb).modal, doc, blocks, 100)
	return doc, blocks
}

// inputBlock finds the input block with the given block id.
func inputBlock(blocks []any, id string) map[string]any {
	for _, b := range blocks {
		o := b.(map[string]any)
		if o["type"] == "input" && o["block_id"] == id {
			return o
		}
	}
	return nil
}

func optionValues(el map[string]any) []string {
	var out []string
	walk(el["options"], func(o map[string]any) {
		if v, ok := o["value"].(string); ok {
			out = append(out, v)
		}
	})
	return out
}

func TestFormModal_CheckIn(t *testing.T) {
	for name, m := range map[string]nudges.Message{
		"Scheduled": nudgeMessages()["CheckIn"],
		"Debrief":   nudgeMessages()["CheckInDebriefReminder"], // the learner is preselected
	} {
		t.Run(name, func(t *testing.T) {
			v := nbslack.FormModal(m.Nudge, m.Kind, m.Form)
			doc, blocks := checkModal(t, v)
			if doc["callback_id"] != nbslack.FormCallbackID {
				t.Errorf("callback_id %v", doc["callback_id"])
			}
			if title := doc["title"].(map[string]any)["text"].(string); title != m.Form.Title {
				t.Errorf("title %q, want %q", title, m.Form.Title)
			}
			if n := len(blocks); n != len(m.Form.Fields) {
				t.Errorf("%d blocks, want one per field (%d)", n, len(m.Form.Fields))
			}
			want := map[string]string{
				nudges.FieldMember: "static_select", nudges.FieldTried: "plain_text_input", nudges.FieldChanged: "plain_text_input",
				nudges.FieldMinutes: "number_input", nudges.FieldNext: "plain_text_input", nudges.FieldReview: "datepicker",
				nudges.FieldWin: "plain_text_input", nudges.FieldShare: "checkboxes",
			}
			for _, f := range m.Form.Fields {
				b := inputBlock(blocks, f.ID)
				if b == nil {
					t.Errorf("no input block %q", f.ID)
					continue
				}
				el := b["element"].(map[string]any)
				if el["type"] != want[f.ID] || el["action_id"] != f.ID {
					t.Errorf("field %s: element %v/%v, want %s/%s", f.ID, el["type"], el["action_id"], want[f.ID], f.ID)
				}
				if opt, _ := b["optional"].(bool); opt != f.Optional {
					t.Errorf("field %s: optional %v, want %v", f.ID, opt, f.Optional)
				}
				if label := b["label"].(map[string]any)["text"]; label != f.Label {
					t.Errorf("field %s: label %v, want %q", f.ID, label, f.Label)
				}
				if f.Type == nudges.FieldLongText && el["multiline"] != true {
					t.Errorf("field %s is not multiline", f.ID)
				}
			}
			minutes := inputBlock(blocks, nudges.FieldMinutes)["element"].(map[string]any)
			if minutes["initial_value"] != "5" || minutes["is_decimal_allowed"] != false {
				t.Errorf("minutes element %v: want initial 5, whole numbers", minutes)
			}
			member := inputBlock(blocks, nudges.FieldMember)["element"].(map[string]any)
			if got := optionValues(member); len(got) != 4 || got[0] != "ma" {
				t.Errorf("member options %q, want the four member ids", got)
			}
			init, _ := member["initial_option"].(map[string]any)
			if name == "Debrief" && (init == nil || init["value"] != "mb") {
				t.Errorf("debrief: initial member %v, want mb", init)
			}
			if name == "Scheduled" && init != nil {
				t.Errorf("scheduled: initial member %v, want none", init)
			}
		})
	}
}

func TestFormModal_Pledge(t *testing.T) {
	for name, m := range map[string]nudges.Message{
		"First":       nudgeMessages()["Pledge"],
		"WithPending": nudgeMessages()["PledgeWithPending"],
	} {
		t.Run(name, func(t *testing.T) {
			_, blocks := checkModal(t, nbslack.FormModal(m.Nudge, m.Kind, m.Form))
			sugg := inputBlock(blocks, nudges.FieldPledge+".suggestion")
			free := inputBlock(blocks, nudges.FieldPledge)
			if sugg == nil || free == nil {
				t.Fatalf("pledge renders as %v / %v, want a suggestion menu and a text box", sugg, free)
			}
			if el := sugg["element"].(map[string]any); el["type"] != "static_select" || len(optionValues(el)) != len(nudges.PledgeSuggestions) {
				t.Errorf("suggestions element %v", el)
			}
			if el := free["element"].(map[string]any); el["type"] != "plain_text_input" || el["action_id"] != nudges.FieldPledge {
				t.Errorf("free text element %v", el)
			}
			// Slack cannot require "one of two inputs": both are optional and
			// the engine checks the merged answer.
			if sugg["optional"] != true || free["optional"] != true {
				t.Error("pledge inputs must both be optional")
			}
			kept := inputBlock(blocks, nudges.FieldKept)
			if (kept != nil) != (name == "WithPending") {
				t.Errorf("kept block present = %v", kept != nil)
			}
			if kept != nil && strings.Join(optionValues(kept["element"].(map[string]any)), ",") != "yes,partly,no" {
				t.Errorf("kept options %v", optionValues(kept["element"].(map[string]any)))
			}
		})
	}
}

func TestFormModal_Limits(t *testing.T) {
	longValue := strings.Repeat("Observe a micro-assignment and give feedback. ", 5) // > 150 characters
	many := make([]nudges.Option, 250)
	for i := range many {
		many[i] = nudges.Option{Value: fmt.Sprintf("u%03d", i), Label: "Learner " + fmt.Sprint(i)}
	}
	f := &nudges.Form{Title: "A form title far longer than Slack's twenty-four", Submit: "Submit this long answer now", Fields: []nudges.Field{
		{ID: "long", Label: strings.Repeat("Label ", 400), Type: nudges.FieldChoice, Options: []nudges.Option{{Value: longValue, Label: longValue}, {Value: "short", Label: "Short"}}},
		{ID: "many", Label: "Who", Type: nudges.FieldChoice, Options: many, Initial: "u200"},
		{ID: "empty", Label: "No options", Type: nudges.FieldChoice},
		{ID: "n", Label: "Number", Type: nudges.FieldNumber, Initial: "ten"},
		{ID: "d", Label: "Date", Type: nudges.FieldDate, Initial: "2026-02-30"},
		{ID: "d2", Label: "Date", Type: nudges.FieldDate, Initial: "2026-06-12", Hint: "YYYY-MM-DD"},
		{ID: "tog", Label: "Toggle", Type: nudges.FieldToggle, Initial: "yes"},
	}}
	v := nbslack.FormModal(strings.Repeat("n", 40), nudges.KindCheckIn, f)
	doc, blocks := checkModal(t, v)
	for _, k := range []string{"title", "submit", "close"} {
		if s := doc[k].(map[string]any)["text"].(string); utf8.RuneCountInString(s) > 24 {
			t.Errorf("%s %q is longer than 24", k, s)
		}
	}
	if n := utf8.RuneCountInString(v.PrivateMetadata); n > 3000 {
		t.Errorf("private_metadata is %d characters", n)
	}
	many2 := inputBlock(blocks, "many")["element"].(map[string]any)
	if groups, _ := many2["option_groups"].([]any); len(groups) != 3 {
		t.Errorf("250 options in %d groups, want 3", len(groups))
	}
	if init, _ := many2["initial_option"].(map[string]any); init == nil || init["value"] != "u200" {
		t.Errorf("initial option %v, want u200", init)
	}
	if el := inputBlock(blocks, "empty")["element"].(map[string]any); el["type"] != "plain_text_input" {
		t.Errorf("a choice without options renders as %v, want a text box", el["type"])
	}
	if el := inputBlock(blocks, "n")["element"].(map[string]any); el["initial_value"] != nil {
		t.Errorf("non-numeric initial value kept: %v", el["initial_value"])
	}
	if el := inputBlock(blocks, "d")["element"].(map[string]any); el["initial_date"] != nil {
		t.Errorf("impossible initial date kept: %v", el["initial_date"])
	}
	if el := inputBlock(blocks, "d2")["element"].(map[string]any); el["initial_date"] != "2026-06-12" {
		t.Errorf("initial date %v", el["initial_date"])
	}
	tog := inputBlock(blocks, "tog")
	if tog["optional"] != true || tog["element"].(map[string]any)["initial_options"] == nil {
		t.Errorf("toggle %v: want optional and initially checked", tog)
	}

	// The long option travels as a stand-in and comes back whole.
	long := inputBlock(blocks, "long")["element"].(map[string]any)
	vals := optionValues(long)
	if len(vals) != 2 || vals[0] == longValue {
		t.Fatalf("long option values %q", vals)
	}
	view := submitted(v, map[string]slack.BlockAction{"long": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: vals[0]}}})
	_, _, fields, err := nbslack.ParseSubmission(view)
	if err != nil || fields["long"] != longValue {
		t.Errorf("ParseSubmission = %q, %v; want the full long value", fields["long"], err)
	}
}

// submitted is the view Slack sends back when the modal v is submitted
// with the given inputs (keyed by action id; block id = action id).
func submitted(v slack.ModalViewRequest, inputs map[string]slack.BlockAction) slack.View {
	state := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{}}
	for id, a := range inputs {
		a.ActionID, a.BlockID = id, id
		state.Values[id] = map[string]slack.BlockAction{id: a}
	}
	return slack.View{ID: "V1", Type: slack.VTModal, CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, State: state}
}

func text(s string) slack.BlockAction { return slack.BlockAction{Type: "plain_text_input", Value: s} }
func choice(s string) slack.BlockAction {
	a := slack.BlockAction{Type: "static_select"}
	if s != "" {
		a.SelectedOption = slack.OptionBlockObject{Value: s}
	}
	return a
}

func TestParseSubmission_CheckIn(t *testing.T) {
	m := nudgeMessages()["CheckIn"]
	v := nbslack.FormModal(m.Nudge, m.Kind, m.Form)
	base := map[string]slack.BlockAction{
		nudges.FieldMember:  choice("mb"),
		nudges.FieldTried:   text("Opened with the script\nand listened"),
		nudges.FieldChanged: text("More questions from the team"),
		nudges.FieldMinutes: {Type: "number_input", Value: "7"},
		nudges.FieldNext:    text("Try it in the retro"),
		nudges.FieldReview:  {Type: "datepicker", SelectedDate: "2026-06-17"},
		nudges.FieldWin:     text(""),
	}
	for _, tc := range []struct {
		name  string
		share slack.BlockAction
		want  string
	}{
		{"Shared", slack.BlockAction{Type: "checkboxes", SelectedOptions: []slack.OptionBlockObject{{Value: "yes"}}}, "yes"},
		{"NotShared", slack.BlockAction{Type: "checkboxes", SelectedOptions: []slack.OptionBlockObject{}}, "no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := maps.Clone(base)
			in[nudges.FieldShare] = tc.share
			nudge, kind, fields, err := nbslack.ParseSubmission(submitted(v, in))
			if err != nil {
				t.Fatal(err)
			}
			if nudge != m.Nudge || kind != nudges.KindCheckIn {
				t.Errorf("nudge, kind = %q, %q; want %q, checkin", nudge, kind, m.Nudge)
			}
			want := map[string]string{
				nudges.FieldMember: "mb", nudges.FieldTried: "Opened with the script\nand listened", nudges.FieldChanged: "More questions from the team",
				nudges.FieldMinutes: "7", nudges.FieldNext: "Try it in the retro", nudges.FieldReview: "2026-06-17", nudges.FieldWin: "",
				nudges.FieldShare: tc.want,
			}
			if !maps.Equal(fields, want) {
				t.Errorf("fields\n got %q\nwant %q", fields, want)
			}
		})
	}
}

func TestParseSubmission_Pledge(t *testing.T) {
	m := nudgeMessages()["PledgeWithPending"]
	v := nbslack.FormModal(m.Nudge, m.Kind, m.Form)
	sugg := nudges.PledgeSuggestions[2]
	for _, tc := range []struct {
		name             string
		suggestion, free string
		want             string
	}{
		{"SuggestionOnly", sugg, "", sugg},
		{"OwnWordsWin", sugg, "Pair every learner with a buddy", "Pair every learner with a buddy"},
		{"OwnWordsOnly", "", "Pair every learner with a buddy", "Pair every learner with a buddy"},
		{"BlankOwnWordsFallBackToSuggestion", sugg, "   ", sugg},
		{"Neither", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, kind, fields, err := nbslack.ParseSubmission(submitted(v, map[string]slack.BlockAction{
				nudges.FieldKept:                   choice("partly"),
				nudges.FieldPledge + ".suggestion": choice(tc.suggestion),
				nudges.FieldPledge:                 text(tc.free),
			}))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{nudges.FieldKept: "partly", nudges.FieldPledge: tc.want}
			if kind != nudges.KindPledge || !maps.Equal(fields, want) {
				t.Errorf("got %q %q, want pledge %q", kind, fields, want)
			}
		})
	}
}

func TestParseSubmission_FormOpenedByTheManager(t *testing.T) {
	// /nudge checkin opens a form with no nudge behind it.
	v := nbslack.FormModal("", nudges.KindCheckIn, nudges.CheckInForm(members(2), 15, nil))
	nudge, kind, _, err := nbslack.ParseSubmission(submitted(v, map[string]slack.BlockAction{nudges.FieldMember: choice("ma")}))
	if err != nil || nudge != "" || kind != nudges.KindCheckIn {
		t.Errorf("got %q, %q, %v", nudge, kind, err)
	}
}

func TestParseSubmission_Rejects(t *testing.T) {
	m := nudgeMessages()["CheckIn"]
	good := submitted(nbslack.FormModal(m.Nudge, m.Kind, m.Form), map[string]slack.BlockAction{nudges.FieldTried: text("x")})
	for name, edit := range map[string]func(*slack.View){
		"ForeignCallback": func(v *slack.View) { v.CallbackID = "someone_elses_modal" },
		"BrokenMetadata":  func(v *slack.View) { v.PrivateMetadata = "{not json" },
		"NoKind":          func(v *slack.View) { v.PrivateMetadata = `{"n":"x"}` },
		"NoState":         func(v *slack.View) { v.State = nil },
	} {
		t.Run(name, func(t *testing.T) {
			v := good
			edit(&v)
			if _, _, fields, err := nbslack.ParseSubmission(v); !errors.Is(err, nbslack.ErrMalformed) || fields != nil {
				t.Errorf("got %v, %v; want ErrMalformed and no fields", fields, err)
			}
		})
	}
	if _, _, _, err := nbslack.ParseSubmission(good); err != nil {
		t.Errorf("the unedited view fails: %v", err)
	}
}

func TestErrorsResponse(t *testing.T) {
	m := nudgeMessages()["PledgeWithPending"]
	_, blocks := checkModal(t, nbslack.FormModal(m.Nudge, m.Kind, m.Form))
	errs := map[string]string{nudges.FieldPledge: "say what you will do this week", nudges.FieldKept: "yes, partly or no"}
	r := nbslack.ErrorsResponse(errs)
	b, _ := json.Marshal(r)
	var got struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.ResponseAction != "errors" || !maps.Equal(got.Errors, errs) {
		t.Errorf("response %s", b)
	}
	// Slack only shows errors keyed by an input block's id.
	for id := range got.Errors {
		if inputBlock(blocks, id) == nil {
			t.Errorf("error key %q is not an input block of the form", id)
		}
	}
}
