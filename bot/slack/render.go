package slack

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/slack-go/slack"
)

// Block ids of a message. They only need to be unique within the message;
// fixed names make a rendered message easy to read in Slack's Block Kit
// Builder and in test failures.
const (
	blockTitle   = "title"
	blockContext = "context"
	blockBody    = "body-"    // + n: lines, then the questions
	blockActions = "actions-" // + n: buttons, 25 per block
	blockDone    = "done"
)

// MessageBlocks renders a nudge as a direct message: a header with the
// title, a context line (program, week, phase), one section per line of the
// body, the check-in questions as one numbered section, and the actions as
// buttons. text is the notification fallback Slack shows in push
// notifications and text-only clients; it is never empty.
//
// Each button's action id and value are described in action.go and read
// back by ParseAction. The message never exceeds Slack's 50 blocks: when the
// body would push it over, neighbouring paragraphs are merged into fewer
// sections, and only if that is not enough is the end of the body trimmed.
// Buttons are kept, because without them the nudge cannot be answered.
func MessageBlocks(m nudges.Message) (text string, blocks []slack.Block) {
	blocks = top(m)
	// Leave room for at least one body section whatever the number of
	// buttons: a message of nothing but buttons says nothing.
	actions := actionBlocks(m.Nudge, m.Actions, maxMessage-len(blocks)-1)
	for i, t := range fit(body(m), maxMessage-len(blocks)-len(actions)) {
		blocks = append(blocks, section(blockBody+strconv.Itoa(i), t))
	}
	blocks = append(blocks, actions...)
	if len(blocks) == 0 {
		// Slack rejects an empty block list; say at least the fallback.
		blocks = append(blocks, section(blockBody+"0", fallback(m)))
	}
	return fallback(m), blocks
}

// SummaryBlocks renders a post for a team channel (a weekly summary, a
// shout-out). It is MessageBlocks without buttons: a channel post is read by
// the whole team, and nobody but the manager may answer a nudge.
func SummaryBlocks(m nudges.Message) (text string, blocks []slack.Block) {
	m.Actions = nil
	return MessageBlocks(m)
}

// DoneBlocks is the same nudge once the manager has answered it (for
// chat.update): header and context stay, so the conversation still shows
// what was asked, and the body and buttons give way to a ✅ and note (what
// the engine recorded). Removing the buttons is what stops a second answer.
func DoneBlocks(m nudges.Message, note string) (text string, blocks []slack.Block) {
	if blank(note) {
		note = "Done"
	}
	blocks = append(top(m), section(blockDone, "✅ "+escape(note)))
	return truncate(escape(rawFallback(m)+" — ✅ "+note), maxSection), blocks
}

// top is the header and context every rendering of a message starts with.
func top(m nudges.Message) []slack.Block {
	var blocks []slack.Block
	if !blank(m.Title) {
		blocks = append(blocks, header(blockTitle, m.Title))
	}
	if !blank(m.Context) {
		blocks = append(blocks, contextLine(blockContext, escape(m.Context)))
	}
	return blocks
}

// body is the message's text as section-sized, escaped pieces: each line
// on its own (split when longer than a section), then the questions.
func body(m nudges.Message) []string {
	var out []string
	for _, l := range m.Lines {
		if !blank(l) {
			out = append(out, split(escape(l), maxSection)...)
		}
	}
	var qs []string
	for _, q := range m.Questions {
		if !blank(q) {
			qs = append(qs, fmt.Sprintf("%d. %s", len(qs)+1, escape(q)))
		}
	}
	if len(qs) > 0 {
		out = append(out, split(strings.Join(qs, "\n"), maxSection)...)
	}
	return out
}

// fit makes pieces fit in at most budget sections. Merging neighbours
// (greedily, which gives the fewest sections for pieces kept in order)
// loses nothing; trimming the tail is the last resort, marked with "…".
func fit(pieces []string, budget int) []string {
	if len(pieces) <= budget {
		return pieces
	}
	var merged []string
	for _, p := range pieces {
		if n := len(merged); n > 0 && utf8.RuneCountInString(merged[n-1])+2+utf8.RuneCountInString(p) <= maxSection {
			merged[n-1] += "\n\n" + p
			continue
		}
		merged = append(merged, p)
	}
	if len(merged) <= budget {
		return merged
	}
	if budget < 1 {
		return nil
	}
	merged = merged[:budget]
	merged[budget-1] = truncate(merged[budget-1]+"\n…", maxSection)
	return merged
}

// actionBlocks renders buttons, 25 to an actions block, in at most max
// blocks. Buttons beyond that are dropped; it takes over a thousand.
func actionBlocks(nudge string, acts []nudges.Action, max int) []slack.Block {
	var els []slack.BlockElement
	seen := map[string]bool{}
	for _, a := range acts {
		// Two buttons doing the same thing would share an action id, which
		// Slack refuses in one message; the first is enough.
		if b := button(nudge, a.ID, a.Label, a.Value, a.Style); b != nil && !seen[b.ActionID] {
			seen[b.ActionID] = true
			els = append(els, b)
		}
	}
	var blocks []slack.Block
	for len(els) > 0 && len(blocks) < max {
		n := min(len(els), maxPerActions)
		blocks = append(blocks, slack.NewActionBlock(blockActions+strconv.Itoa(len(blocks)), els[:n]...))
		els = els[n:]
	}
	return blocks
}

// rawFallback is the one-line notification text before escaping.
func rawFallback(m nudges.Message) string {
	switch {
	case !blank(m.Fallback):
		return m.Fallback
	case !blank(m.Title):
		return m.Title
	}
	return "nudgebot"
}

// fallback is the message's text field. Slack parses it as mrkdwn, so it
// is escaped like the blocks.
func fallback(m nudges.Message) string { return truncate(escape(rawFallback(m)), maxSection) }
