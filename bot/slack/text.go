package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits, in characters (Slack counts characters, not bytes).
const (
	maxHeader      = 150  // header block text
	maxSection     = 3000 // section and context text
	maxButtonText  = 75   // button label, option text
	maxButtonValue = 2000 // button value
	maxOptionValue = 150  // option value
	maxModalText   = 24   // modal title, submit, close
	maxMetadata    = 3000 // private_metadata
	maxLabel       = 2000 // input label and hint
	maxPlaceholder = 150  // placeholder text
	maxID          = 255  // block_id and action_id
	maxMessage     = 50   // blocks per message
	maxSurface     = 100  // blocks per modal or Home tab
	maxPerActions  = 25   // elements per actions block
)

// mrkdwnEscaper escapes the three characters Slack treats as control
// characters in mrkdwn. Without it a "<" in a learner's answer could turn
// into a link or a mention.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return mrkdwnEscaper.Replace(s) }

// truncate shortens s to at most max characters, marking the cut with "…".
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	cut := safeCut(r, max-1)
	return strings.TrimRight(string(r[:cut]), " \n\t") + "…"
}

// safeCut moves a cut position back so that it does not fall inside an
// escaped entity (&amp; &lt; &gt;): half an entity renders as garbage.
func safeCut(r []rune, cut int) int {
	if cut >= len(r) {
		return len(r)
	}
	for j := cut - 1; j >= 0 && j >= cut-4; j-- {
		if r[j] == ';' {
			break
		}
		if r[j] == '&' {
			return j
		}
	}
	return cut
}

// split breaks s into pieces of at most max characters, at a line break or a
// space when there is one in the second half of the piece, so that a long
// paragraph becomes several sections instead of being cut short.
func split(s string, max int) []string {
	if len(s) <= max { // bytes ≥ runes: the common case, with no copy
		return []string{s}
	}
	r := []rune(s)
	var out []string
	for len(r) > max {
		cut := -1
		for i := max; i > max/2; i-- {
			if r[i] == '\n' || r[i] == ' ' {
				cut = i
				break
			}
		}
		next := cut + 1 // drop the space or newline we broke at
		if cut < 0 {
			cut = safeCut(r, max)
			next = cut
		}
		out = append(out, string(r[:cut]))
		r = r[next:]
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}

// clampID keeps an id within the 255-character limit Slack puts on
// block_id and action_id.
func clampID(s string) string { return clampBytes(s, maxID) }

func plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, max), true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// section is a mrkdwn section of already escaped text.
func section(id, text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(truncate(text, maxSection)), nil, nil, slack.SectionBlockOptionBlockID(id))
}

func header(id, title string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(title, maxHeader), slack.HeaderBlockOptionBlockID(id))
}

func contextLine(id, text string) *slack.ContextBlock {
	return slack.NewContextBlock(id, mrkdwn(truncate(text, maxSection)))
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
