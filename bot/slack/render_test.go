package slack_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/slack-go/slack"
)

// The shared schemas live beside the repository root (…/main and
// …/shared); go test runs in the package directory, bot/slack.
var schemaDir = filepath.Join("..", "..", "..", "shared", "schemas")

const blockKitID = "https://tightknit.com/schemas/slack-block-kit.schema.json"

// blockKit holds the Block Kit schema compiled three ways: a message's
// top-level block array, a modal and a Home tab.
type blockKit struct{ message, modal, home *jsonschema.Schema }

var (
	kitOnce sync.Once
	kit     blockKit
	kitErr  error
)

func mustBlockKit(tb testing.TB) blockKit {
	tb.Helper()
	kitOnce.Do(func() {
		doc, err := readJSON(filepath.Join(schemaDir, "slack-block-kit.schema.json"))
		if err != nil {
			kitErr = err
			return
		}
		c := jsonschema.NewCompiler()
		// Registered under its own $id, so nothing is fetched.
		if kitErr = c.AddResource(blockKitID, doc); kitErr != nil {
			return
		}
		if kit.message, kitErr = c.Compile(blockKitID); kitErr != nil {
			return
		}
		if kit.modal, kitErr = c.Compile(blockKitID + "#/$defs/modal_view"); kitErr != nil {
			return
		}
		kit.home, kitErr = c.Compile(blockKitID + "#/$defs/home_view")
	})
	if kitErr != nil {
		tb.Fatalf("block kit schema (expected in %s, beside the repository root): %v", schemaDir, kitErr)
	}
	return kit
}

func readJSON(path string) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// asJSON marshals a slack-go value the way the API client would and reads
// it back as generic JSON for the validator and the walkers.
func asJSON(tb testing.TB, v any) any {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("unmarshal: %v", err)
	}
	return doc
}

// checkPayload validates doc against sch and checks what the schema does
// not: the block count and the uniqueness of block and action ids.
func checkPayload(tb testing.TB, sch *jsonschema.Schema, doc any, blocks []any, maxBlocks int) {
	tb.Helper()
	if err := sch.Validate(doc); err != nil {
		js, _ := json.MarshalIndent(doc, "", " ")
		tb.Fatalf("payload does not validate: %v\n%s", err, js)
	}
	if len(blocks) > maxBlocks {
		tb.Errorf("%d blocks, Slack allows %d", len(blocks), maxBlocks)
	}
	blockIDs, actionIDs := map[string]int{}, map[string]int{}
	walk(doc, func(o map[string]any) {
		if id, ok := o["block_id"].(string); ok {
			blockIDs[id]++
		}
		if id, ok := o["action_id"].(string); ok {
			actionIDs[id]++
		}
	})
	for id, n := range blockIDs {
		if n > 1 {
			tb.Errorf("block_id %q used %d times", id, n)
		}
	}
	for id, n := range actionIDs {
		if n > 1 {
			tb.Errorf("action_id %q used %d times", id, n)
		}
	}
}

// checkMessage renders nothing itself: it validates blocks as a message.
func checkMessage(tb testing.TB, blocks []slack.Block) []any {
	tb.Helper()
	doc := asJSON(tb, blocks)
	arr, ok := doc.([]any)
	if !ok {
		tb.Fatalf("blocks marshal to %T, want an array", doc)
	}
	checkPayload(tb, mustBlockKit(tb).message, doc, arr, 50)
	return arr
}

// walk calls f for every JSON object in doc, depth first, in array order.
func walk(doc any, f func(map[string]any)) {
	switch v := doc.(type) {
	case map[string]any:
		f(v)
		for _, c := range v {
			walk(c, f)
		}
	case []any:
		for _, c := range v {
			walk(c, f)
		}
	}
}

type jsonButton struct{ actionID, value, text, style string }

// buttons lists the buttons of a payload in the order they appear.
func buttons(doc any) []jsonButton {
	var out []jsonButton
	walk(doc, func(o map[string]any) {
		if o["type"] != "button" {
			return
		}
		b := jsonButton{}
		b.actionID, _ = o["action_id"].(string)
		b.value, _ = o["value"].(string)
		b.style, _ = o["style"].(string)
		if t, ok := o["text"].(map[string]any); ok {
			b.text, _ = t["text"].(string)
		}
		out = append(out, b)
	})
	return out
}

// texts lists the text of every block of the given type.
func texts(blocks []any, typ string) []string {
	var out []string
	for _, b := range blocks {
		o := b.(map[string]any)
		if o["type"] != typ {
			continue
		}
		switch typ {
		case "context":
			for _, e := range o["elements"].([]any) {
				out = append(out, e.(map[string]any)["text"].(string))
			}
		default:
			if t, ok := o["text"].(map[string]any); ok {
				out = append(out, t["text"].(string))
			}
		}
	}
	return out
}

// Fixtures: a program in its second week, a manager and a team.
var (
	today   = nudges.Date{Year: 2026, Month: 6, Day: 10}
	program = &nudges.Program{ID: "ff", Name: "Feedback Fundamentals", Launch: nudges.Date{Year: 2026, Month: 6, Day: 1}, Weeks: 8}
	manager = &nudges.Manager{ID: "U0MGR", Name: "Dana Lee"}
	script  = &nudges.Script{ID: "debrief5", Title: "Five-minute debrief", Minutes: 5, Questions: []string{
		"What did you try since the module?",
		"What happened when you did?",
		"What will you try next, and by when?",
	}}
	assignment = &nudges.Assignment{ID: "round", Title: "Run a feedback round", Instructions: "Ask each learner to give one piece of feedback in the next team meeting."}
)

func members(n int) []nudges.Member {
	names := []string{"Priya Shah", "Tom <Ops> & Co", "Ana Ruiz", "Ben Okafor", "Chen Wei", "Dora Kis", "Eli Stone", "Fay Moss", "Gus Hale", "Hana Ito", "Ivo Rand", "Jo Park"}
	out := make([]nudges.Member, n)
	for i := range out {
		out[i] = nudges.Member{ID: "m" + string(rune('a'+i)), Name: names[i%len(names)]}
	}
	return out
}

func composed(kind nudges.Kind, edit func(*nudges.Context)) nudges.Message {
	c := nudges.Context{Nudge: "n-" + string(kind) + "-0001", Kind: kind, Manager: manager, Program: program, Today: today,
		Script: script, Assignment: assignment, Members: members(4)}
	if edit != nil {
		edit(&c)
	}
	return nudges.Compose(c)
}

// nudgeMessages are the direct messages the engine sends, one per case.
func nudgeMessages() map[string]nudges.Message {
	return map[string]nudges.Message{
		"CheckIn": composed(nudges.KindCheckIn, nil),
		"CheckInWithLastAction": composed(nudges.KindCheckIn, func(c *nudges.Context) {
			c.LastAction = &nudges.Recall{Member: "Priya", Action: "Try the opening script", Review: today.AddDays(-2)}
		}),
		"CheckInDebriefReminder": composed(nudges.KindCheckIn, func(c *nudges.Context) {
			m := members(2)[1]
			c.Learner, c.Module, c.Reminder = &m, "Giving feedback <live>", 1
		}),
		"Pledge": composed(nudges.KindPledge, nil),
		"PledgeWithPending": composed(nudges.KindPledge, func(c *nudges.Context) {
			c.Pledge, c.Streak = "Hold a five-minute check-in with every learner", 3
		}),
		"AssignmentManyPending": composed(nudges.KindAssignment, func(c *nudges.Context) { c.Pending = members(12) }),
		"AssignmentNonePending": composed(nudges.KindAssignment, nil),
	}
}

func progress() nudges.Progress {
	team := &nudges.Team{ID: "t1", Name: "Support <EMEA>", Channel: "C0TEAM", Manager: manager.ID, Members: members(10)}
	return nudges.Progress{Program: program, Today: today, Team: team, Manager: manager,
		Targets:  nudges.Targets{FirstApplicationShare: 0.7, CoachingMinutes: 30},
		Learners: 10, Applied: 6, NotYet: []string{"Ben Okafor", "Chen Wei", "Dora Kis", "Eli Stone"},
		CheckIns: 2, Minutes: 12, Streak: 2, Pledged: 3, Kept: 2, Partly: 1,
		Wins: []nudges.Win{{Member: "Priya Shah", Text: "Ran her first feedback round & it stuck", Shared: true}, {Member: "Tom", Text: "Calmed an angry customer", Shared: false}},
	}
}

// channelPosts are the posts that go to a team channel (and the manager's
// fuller summary, which is rendered the same way).
func channelPosts() map[string]nudges.Message {
	team := progress().Team
	return map[string]nudges.Message{
		"TeamSummary":    nudges.TeamSummary(progress()),
		"ManagerSummary": nudges.ManagerSummary(progress()),
		"ShoutOut":       nudges.ShoutOutMessage(team, manager, "Priya Shah", "Turned a tense review into a plan <3"),
	}
}

func TestMessageBlocks(t *testing.T) {
	for name, m := range nudgeMessages() {
		t.Run(name, func(t *testing.T) {
			text, blocks := nbslack.MessageBlocks(m)
			doc := checkMessage(t, blocks)
			if text == "" {
				t.Error("empty notification text")
			}
			if want := escapeWant(m.Fallback); text != want {
				t.Errorf("text = %q, want the escaped fallback %q", text, want)
			}
			if got := texts(doc, "header"); len(got) != 1 || got[0] != m.Title {
				t.Errorf("header = %q, want [%q]", got, m.Title)
			}
			if got := texts(doc, "context"); len(got) != 1 || got[0] != escapeWant(m.Context) {
				t.Errorf("context = %q, want [%q]", got, escapeWant(m.Context))
			}
			sections := texts(doc, "section")
			for _, l := range m.Lines {
				if !contains(sections, escapeWant(l)) {
					t.Errorf("line %q has no section of its own", l)
				}
			}
			if len(m.Questions) > 0 {
				var want []string
				for i, q := range m.Questions {
					want = append(want, strings.Join([]string{string(rune('1' + i)), ". ", escapeWant(q)}, ""))
				}
				if !contains(sections, strings.Join(want, "\n")) {
					t.Errorf("no numbered question section in %q", sections)
				}
			}

			bs := buttons(doc)
			if len(bs) != len(m.Actions) {
				t.Fatalf("%d buttons, want one per action (%d)", len(bs), len(m.Actions))
			}
			for i, b := range bs {
				a := m.Actions[i]
				nudge, act, arg, ok := nbslack.ParseAction(b.actionID, b.value)
				if !ok || nudge != m.Nudge || act != a.ID || arg != a.Value {
					t.Errorf("button %d (%s, %q): ParseAction = %q, %q, %q, %v; want %q, %q, %q", i, b.actionID, b.value, nudge, act, arg, ok, m.Nudge, a.ID, a.Value)
				}
				if b.text != a.Label {
					t.Errorf("button %d text = %q, want %q", i, b.text, a.Label)
				}
				if b.style != a.Style {
					t.Errorf("button %d style = %q, want %q", i, b.style, a.Style)
				}
			}
		})
	}
}

func TestMessageBlocks_AssignmentSpillsIntoSeveralActionBlocks(t *testing.T) {
	m := nudgeMessages()["AssignmentManyPending"]
	if len(m.Actions) <= 25 {
		t.Fatalf("fixture has %d actions; it must need more than one actions block", len(m.Actions))
	}
	_, blocks := nbslack.MessageBlocks(m)
	doc := checkMessage(t, blocks)
	var sizes []int
	for _, b := range doc {
		o := b.(map[string]any)
		if o["type"] == "actions" {
			sizes = append(sizes, len(o["elements"].([]any)))
		}
	}
	if len(sizes) != 2 || sizes[0] != 25 || sizes[1] != len(m.Actions)-25 {
		t.Errorf("actions block sizes %v, want [25 %d]", sizes, len(m.Actions)-25)
	}
}

func TestSummaryBlocks(t *testing.T) {
	posts := channelPosts()
	// A channel post must carry no buttons even if someone adds actions.
	withActions := posts["TeamSummary"]
	withActions.Actions = []nudges.Action{{ID: nudges.ActUseful, Label: "Useful"}}
	posts["TeamSummaryWithStrayActions"] = withActions
	for name, m := range posts {
		t.Run(name, func(t *testing.T) {
			text, blocks := nbslack.SummaryBlocks(m)
			doc := checkMessage(t, blocks)
			if text != escapeWant(m.Fallback) {
				t.Errorf("text = %q, want %q", text, escapeWant(m.Fallback))
			}
			if bs := buttons(doc); len(bs) != 0 {
				t.Errorf("channel post has %d buttons", len(bs))
			}
			for _, b := range doc {
				if b.(map[string]any)["type"] == "actions" {
					t.Error("channel post has an actions block")
				}
			}
			sections := texts(doc, "section")
			for _, l := range m.Lines {
				if !contains(sections, escapeWant(l)) {
					t.Errorf("line %q missing", l)
				}
			}
		})
	}
}

func TestMessageBlocks_Escapes(t *testing.T) {
	m := nudges.Message{Nudge: "n1", Title: "Q&A <live>", Context: "R&D · week 2", Lines: []string{"<!channel> ping <@U123> & <https://evil.example|click>"}, Fallback: "a <b> & c"}
	text, blocks := nbslack.MessageBlocks(m)
	doc := checkMessage(t, blocks)
	if want := "&lt;!channel&gt; ping &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;"; !contains(texts(doc, "section"), want) {
		t.Errorf("sections %q, want %q", texts(doc, "section"), want)
	}
	if got := texts(doc, "context"); len(got) != 1 || got[0] != "R&amp;D · week 2" {
		t.Errorf("context %q", got)
	}
	// The header is plain_text, which Slack does not parse: no escaping.
	if got := texts(doc, "header"); len(got) != 1 || got[0] != "Q&A <live>" {
		t.Errorf("header %q", got)
	}
	if text != "a &lt;b&gt; &amp; c" {
		t.Errorf("text %q", text)
	}
}

func TestMessageBlocks_LongTitleAndLine(t *testing.T) {
	words := strings.TrimSpace(strings.Repeat("coach ", 1000)) // 5,999 characters
	dense := strings.Repeat("a&b<", 1250)                      // 5,000 characters, no space to break at
	m := nudges.Message{Nudge: "n1", Kind: nudges.KindCheckIn, Title: strings.Repeat("T", 300), Context: "ctx",
		Lines: []string{words, dense}, Actions: []nudges.Action{{ID: nudges.ActLog, Label: strings.Repeat("L", 100)}}}
	_, blocks := nbslack.MessageBlocks(m)
	doc := checkMessage(t, blocks)

	h := texts(doc, "header")
	if len(h) != 1 || utf8.RuneCountInString(h[0]) != 150 || !strings.HasSuffix(h[0], "…") {
		t.Errorf("header is %d characters (%q…), want 150 ending in …", utf8.RuneCountInString(h[0]), h[0][:10])
	}
	// Long lines are split, not cut: every word and every character of the
	// dense line is still there, and no escape sequence is torn apart.
	var wordParts, denseParts []string
	for _, s := range texts(doc, "section") {
		if strings.HasPrefix(s, "coach") {
			wordParts = append(wordParts, s)
		} else {
			denseParts = append(denseParts, s)
		}
	}
	if len(wordParts) < 2 || strings.Join(wordParts, " ") != words {
		t.Errorf("the 6,000-character line came back as %d sections that do not rejoin to the original", len(wordParts))
	}
	if len(denseParts) < 2 || strings.Join(denseParts, "") != escapeWant(dense) {
		t.Errorf("the dense line came back as %d sections that do not rejoin to its escaped text", len(denseParts))
	}
	for i, p := range denseParts {
		if torn.MatchString(p) {
			t.Errorf("section %d tears an escape sequence apart: …%s", i, p[max(0, len(p)-12):])
		}
	}
	bs := buttons(doc)
	if len(bs) != 1 || utf8.RuneCountInString(bs[0].text) != 75 || !strings.HasSuffix(bs[0].text, "…") {
		t.Errorf("buttons %+v, want one with a 75-character label ending in …", bs)
	}
}

func TestMessageBlocks_BlockLimit(t *testing.T) {
	acts := make([]nudges.Action, 40)
	for i := range acts {
		// Each does something else: two buttons doing the same are one.
		acts[i] = nudges.Action{ID: nudges.ActOutcome, Label: "Outcome", Value: fmt.Sprintf("learner%d|applied", i)}
	}
	t.Run("ShortLinesAreMerged", func(t *testing.T) {
		lines := make([]string, 80)
		for i := range lines {
			lines[i] = "Paragraph " + strings.Repeat("x", i)
		}
		m := nudges.Message{Nudge: "n1", Title: "Many lines", Context: "ctx", Lines: lines, Actions: acts}
		_, blocks := nbslack.MessageBlocks(m)
		doc := checkMessage(t, blocks)
		if len(buttons(doc)) != len(acts) {
			t.Errorf("%d buttons, want all %d kept", len(buttons(doc)), len(acts))
		}
		all := strings.Join(texts(doc, "section"), "\n\n")
		if all != strings.Join(lines, "\n\n") {
			t.Error("merging lost or reordered text")
		}
	})
	t.Run("HugeBodyIsTrimmed", func(t *testing.T) {
		lines := make([]string, 60)
		for i := range lines {
			lines[i] = strings.Repeat("y", 2900)
		}
		m := nudges.Message{Nudge: "n1", Title: "Too much", Lines: lines, Actions: acts}
		_, blocks := nbslack.MessageBlocks(m)
		doc := checkMessage(t, blocks)
		if len(doc) != 50 {
			t.Errorf("%d blocks, want exactly 50 (the body fills what the buttons leave)", len(doc))
		}
		if len(buttons(doc)) != len(acts) {
			t.Errorf("%d buttons, want all %d kept", len(buttons(doc)), len(acts))
		}
		s := texts(doc, "section")
		if last := s[len(s)-1]; !strings.HasSuffix(last, "…") {
			t.Errorf("trimmed body does not end with …: %q", last[len(last)-20:])
		}
	})
}

func TestMessageBlocks_ButtonsThatCannotBeEncodedAreLeftOut(t *testing.T) {
	m := nudges.Message{Nudge: "n1", Title: "t", Actions: []nudges.Action{
		{ID: nudges.ActOutcome, Label: "Too long", Value: strings.Repeat("v", 2000)},
		{ID: nudges.ActSnooze, Label: "Snooze", Style: "fancy"},
	}}
	_, blocks := nbslack.MessageBlocks(m)
	bs := buttons(checkMessage(t, blocks))
	if len(bs) != 1 {
		t.Fatalf("%d buttons, want only the one whose value fits", len(bs))
	}
	if _, act, _, ok := nbslack.ParseAction(bs[0].actionID, bs[0].value); !ok || act != nudges.ActSnooze || bs[0].style != "" {
		t.Errorf("button %+v: want snooze without a style", bs[0])
	}
}

func TestMessageBlocks_EmptyMessageStillRenders(t *testing.T) {
	text, blocks := nbslack.MessageBlocks(nudges.Message{})
	checkMessage(t, blocks)
	if text == "" {
		t.Error("empty text")
	}
}

func TestDoneBlocks(t *testing.T) {
	for name, m := range nudgeMessages() {
		t.Run(name, func(t *testing.T) {
			text, blocks := nbslack.DoneBlocks(m, "Logged: 5 minutes with Priya <3")
			doc := checkMessage(t, blocks)
			if len(buttons(doc)) != 0 {
				t.Error("an answered nudge still has buttons")
			}
			if got := texts(doc, "header"); len(got) != 1 || got[0] != m.Title {
				t.Errorf("header %q, want %q", got, m.Title)
			}
			if s := texts(doc, "section"); len(s) != 1 || s[0] != "✅ Logged: 5 minutes with Priya &lt;3" {
				t.Errorf("sections %q, want only the escaped ✅ note", s)
			}
			if !strings.Contains(text, "✅") {
				t.Errorf("text %q does not say it is done", text)
			}
		})
	}
}

func TestParseAction(t *testing.T) {
	for _, tc := range []struct {
		name, id, value string
		nudge, act, arg string
		ok              bool
	}{
		{"Digest", digestID("outcome", "n1|outcome|priya|applied"), "n1|outcome|priya|applied", "n1", "outcome", "priya|applied", true},
		{"DigestOfAnotherValue", digestID("outcome", "n1|outcome|tom|applied"), "n1|outcome|priya|applied", "", "", "", false},
		{"BadDigest", "nb:outcome:kzz", "n1|outcome|priya|applied", "", "", "", false},
		// Buttons posted before the digest format carry their position.
		{"Simple", "nb:snooze:1", "n1|snooze|", "n1", "snooze", "", true},
		{"ArgumentKeepsItsBars", "nb:outcome:7", "n1|outcome|priya|applied", "n1", "outcome", "priya|applied", true},
		{"EscapedNudge", "nb:log:0", "a%7Cb|log|x", "a|b", "log", "x", true},
		{"NoNudge", "nb:log:0", "|log|", "", "log", "", true},
		{"ForeignActionID", "approve", "n1|log|", "", "", "", false},
		{"NoIndex", "nb:log", "n1|log|", "", "", "", false},
		{"BadIndex", "nb:log:x", "n1|log|", "", "", "", false},
		{"ActsDisagree", "nb:log:0", "n1|skip|", "", "", "", false},
		{"TooFewFields", "nb:log:0", "n1|log", "", "", "", false},
		{"EmptyAct", "nb::0", "n1||", "", "", "", false},
		{"BadEscape", "nb:log:0", "n%zz|log|", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nudge, act, arg, ok := nbslack.ParseAction(tc.id, tc.value)
			if nudge != tc.nudge || act != tc.act || arg != tc.arg || ok != tc.ok {
				t.Errorf("ParseAction(%q, %q) = %q, %q, %q, %v; want %q, %q, %q, %v", tc.id, tc.value, nudge, act, arg, ok, tc.nudge, tc.act, tc.arg, tc.ok)
			}
		})
	}
}

// digestID is the action id of a button as rendered now: its act and 64
// bits of its value's SHA-256.
func digestID(act, value string) string {
	sum := sha256.Sum256([]byte(value))
	return "nb:" + act + ":k" + hex.EncodeToString(sum[:8])
}

// TestParseAction_RoundTripsOddValues renders awkward nudge ids, acts and
// arguments and reads them back.
func TestParseAction_RoundTripsOddValues(t *testing.T) {
	long := strings.Repeat("act", 100) // 300 bytes: longer than an action id may be
	m := nudges.Message{Nudge: "id|with %bars+&spaces ü", Title: "t", Actions: []nudges.Action{
		{ID: "odd:act|x", Label: "a", Value: "v|w:x%y"},
		{ID: long, Label: "b", Value: ""},
		{ID: nudges.ActOutcome, Label: "c", Value: "ünï|cödé"},
	}}
	_, blocks := nbslack.MessageBlocks(m)
	bs := buttons(checkMessage(t, blocks))
	if len(bs) != len(m.Actions) {
		t.Fatalf("%d buttons, want %d", len(bs), len(m.Actions))
	}
	for i, b := range bs {
		nudge, act, arg, ok := nbslack.ParseAction(b.actionID, b.value)
		if !ok || nudge != m.Nudge || act != m.Actions[i].ID || arg != m.Actions[i].Value {
			t.Errorf("button %d: got %q, %q, %q, %v", i, nudge, act, arg, ok)
		}
	}
}

// torn matches an "&" that does not start a complete escape sequence,
// which is what a section cut in the middle of "&amp;" would show.
var torn = regexp.MustCompile(`&(?:[^agl]|a[^m]|am[^p]|amp[^;]|l[^t]|lt[^;]|g[^t]|gt[^;]|a$|am$|amp$|l$|lt$|g$|gt$|$)`)

func escapeWant(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSchemaRejectsBrokenBlocks proves the validator is not vacuous: the
// checks above would pass anything if the schema failed to load or matched
// everything.
func TestSchemaRejectsBrokenBlocks(t *testing.T) {
	k := mustBlockKit(t)
	for name, blocks := range map[string][]slack.Block{
		"HeaderTooLong": {slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("x", 151), false, false))},
		"ButtonValueTooLong": {slack.NewActionBlock("a", slack.NewButtonBlockElement("b", strings.Repeat("v", 2001),
			slack.NewTextBlockObject(slack.PlainTextType, "ok", false, false)))},
		"Empty": {},
	} {
		t.Run(name, func(t *testing.T) {
			if err := k.message.Validate(asJSON(t, blocks)); err == nil {
				t.Error("schema accepted a broken payload")
			}
		})
	}
}
