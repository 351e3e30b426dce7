package teams_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/nudges"
)

// The shared schemas live beside the repository root; go test runs in
// bot/teams.
var schemaDir = filepath.Join("..", "..", "..", "shared", "schemas")

const cardSchemaID = "http://adaptivecards.io/schemas/adaptive-card.json"

var (
	cardOnce   sync.Once
	cardSchema *jsonschema.Schema
	cardErr    error
)

// teamsOnly are the root properties Teams adds to the card format; the
// official schema does not know them.
var teamsOnly = []string{"msteams"}

// validCard checks a card against the Adaptive Cards 1.5 schema, Teams'
// own root properties allowed.
func validCard(t *testing.T, card map[string]any) {
	t.Helper()
	cardOnce.Do(func() {
		f, err := os.Open(filepath.Join(schemaDir, "adaptive-card-1.5.schema.json"))
		if err != nil {
			cardErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			cardErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if cardErr = c.AddResource(cardSchemaID, doc); cardErr != nil {
			return
		}
		cardSchema, cardErr = c.Compile(cardSchemaID)
	})
	if cardErr != nil {
		t.Fatalf("adaptive card schema (expected in %s): %v", schemaDir, cardErr)
	}
	b, err := json.Marshal(card)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range teamsOnly {
		delete(doc.(map[string]any), k)
	}
	if err := cardSchema.Validate(doc); err != nil {
		t.Fatalf("card does not validate: %v\n%s", err, b)
	}
	if len(b) > 28<<10 {
		t.Fatalf("card is %d bytes, over Teams' message size", len(b))
	}
}

// TestEveryKindRendersAValidCard draws every kind of message, with a form
// showing errors and values too, and checks each against the schema and
// for what the manager must see.
func TestEveryKindRendersAValidCard(t *testing.T) {
	form := nudges.CheckInForm([]nudges.Member{{ID: "priya", Name: "Priya Shah"}}, 10, nil)
	acts := []nudges.Action{{ID: nudges.ActLog, Label: "Log check-in", Style: "primary"},
		{ID: nudges.ActSnooze, Label: "Snooze"}, {ID: nudges.ActSkip, Label: "Skip this week"},
		{ID: nudges.ActUseful, Label: "Useful"}, {ID: nudges.ActNotUseful, Label: "Not useful"}}
	msgs := map[string]nudges.Message{
		"checkin": {Nudge: "n1", Kind: nudges.KindCheckIn, Title: "5-minute check-in: Quick one", Context: "Feedback · week 1 · launch",
			Lines: []string{"Take 5 minutes."}, Questions: []string{"What did you try?", "What changed?"}, Form: form, Actions: acts, Fallback: "Time for a check-in"},
		"assignment": {Nudge: "n2", Kind: nudges.KindAssignment, Title: "Micro-assignment: Use the opening line", Lines: []string{"Use it once."},
			Actions: []nudges.Action{{ID: nudges.ActOutcome, Label: "Priya Shah: Applied", Value: "priya|applied"}, {ID: nudges.ActOutcome, Label: "Priya Shah: Not yet", Value: "priya|not_yet"}, {ID: nudges.ActSnooze, Label: "Snooze"}}},
		"pledge": {Nudge: "n3", Kind: nudges.KindPledge, Title: "Your coaching pledge", Form: &nudges.Form{Title: "Weekly pledge", Submit: "Pledge", Fields: []nudges.Field{
			{ID: nudges.FieldKept, Label: "Kept?", Type: nudges.FieldChoice, Options: nudges.PledgeOutcomes},
			{ID: nudges.FieldPledge, Label: "This week I will…", Type: nudges.FieldText, Options: []nudges.Option{{Value: "a", Label: "a"}}}}},
			Actions: []nudges.Action{{ID: nudges.ActLog, Label: "Make my pledge"}}},
		"summary":  {Nudge: "n4", Kind: nudges.KindSummary, Title: "Team One this week", Lines: []string{"3 check-ins."}, Chart: &nudges.Chart{Label: "Team One", Week: 2, Applied: 1, Learners: 2, TargetShare: 0.6}},
		"shoutout": {Nudge: "n5", Kind: nudges.KindShoutOut, Title: "A win on Team One", Lines: []string{"Priya ran the meeting."}},
	}
	for name, m := range msgs {
		c := teams.CardOf(m, nil, nil)
		validCard(t, c)
		b, _ := json.Marshal(c)
		if !strings.Contains(string(b), m.Title) {
			t.Errorf("%s: the title is missing", name)
		}
		for _, a := range m.Actions {
			if !strings.Contains(string(b), `"verb":"`+a.ID+`"`) {
				t.Errorf("%s: no Action.Execute for %s", name, a.ID)
			}
		}
		if len(m.Actions) > 0 && !strings.Contains(string(b), `"Action.Submit"`) {
			t.Errorf("%s: no Action.Submit fallback", name)
		}
	}
	if p := jsonText(teams.CardOf(msgs["pledge"], nil, nil)); !strings.Contains(p, "Ideas:") {
		t.Errorf("the pledge card does not offer its suggestions: %s", p)
	}
	fe := bot.FieldErrors{{Field: nudges.FieldMinutes, Msg: "minutes must be a number"}}
	c := teams.CardOf(msgs["checkin"], map[string]string{nudges.FieldMinutes: "ten", nudges.FieldTried: "asked"}, fe)
	validCard(t, c)
	b, _ := json.Marshal(c)
	for _, want := range []string{"minutes must be a number", `"value":"asked"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("card with errors lacks %s", want)
		}
	}
	validCard(t, teams.DoneCard(msgs["checkin"], "Check-in logged."))
}
