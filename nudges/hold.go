package nudges

import "fmt"

// A manager's answer to the question asked after nudges went unanswered.
const (
	HoldKeep  = "keep"  // carry on nudging
	HoldPause = "pause" // nothing for four weeks, then carry on
	HoldStop  = "stop"  // no more nudges until they say otherwise
)

// HoldChoices are the answers, in the order offered.
var HoldChoices = []Option{{HoldKeep, "Keep them coming"}, {HoldPause, "Pause for 4 weeks"}, {HoldStop, "Stop"}}

// HoldMessage asks a manager who left several nudges in a row unanswered
// whether to keep them, pause them or stop: one message, sent once, with
// no more nudges until they answer. Respecting a busy manager's time keeps
// the ones who come back.
func HoldMessage(nudge string, ignored int) Message {
	m := Message{
		Nudge: nudge,
		Kind:  KindHold,
		Title: "Shall I keep the nudges coming?",
		Lines: []string{
			fmt.Sprintf("The last %d nudges went unanswered, so I have stopped sending them for now.", ignored),
			"Tell me what suits you: keep them coming, pause them for four weeks, or stop them. You can change your mind any time.",
		},
		Fallback: "Shall I keep the nudges coming? Keep, pause for 4 weeks, or stop.",
	}
	for i, c := range HoldChoices {
		style := ""
		if i == 0 {
			style = "primary"
		}
		m.Actions = append(m.Actions, Action{ID: ActHold, Label: c.Label, Value: c.Value, Style: style})
	}
	return m
}
