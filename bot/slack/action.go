package slack

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Buttons carry everything the adapter needs to route a click, so a click
// can be handled without looking up the message it came from (which may be
// weeks old, or from before a restart):
//
//	action_id  nb:<act>:<index>          e.g. nb:outcome:7
//	value      <nudge>|<act>|<argument>  e.g. 3f9c…|outcome|priya|applied
//
// <index> is the button's position in its message, which keeps action ids
// unique even when several buttons share an act (one per learner and
// outcome). The nudge id and the act are query-escaped, so a "|" in either
// cannot shift the fields; the argument is the last field and is kept
// verbatim, "|" and all, because nudges.ActOutcome already uses "|" inside
// it (learner|outcome).
const (
	actionPrefix = "nb:"
	valueSep     = "|"
	// maxActInID bounds the act inside an action id so that the id stays
	// within 255 characters whatever the act; the value carries it in full.
	maxActInID = 200
)

// actionID is the action_id of the button at index i doing act.
func actionID(act string, i int) string {
	a := act
	if len(a) > maxActInID {
		a = clampBytes(a, maxActInID)
	}
	return actionPrefix + a + ":" + strconv.Itoa(i)
}

// actionValue is the value of a button: nudge, act and argument.
func actionValue(nudge, act, arg string) string {
	return url.QueryEscape(nudge) + valueSep + url.QueryEscape(act) + valueSep + arg
}

// ParseAction reads back a button click rendered by this package: the nudge
// it belongs to, what it does (one of the nudges.Act* constants) and its
// argument (nudges.Action.Value). ok is false for anything this package did
// not render, so a foreign or tampered payload is ignored, never
// misrouted.
func ParseAction(actionID, value string) (nudge, act, arg string, ok bool) {
	rest, found := strings.CutPrefix(actionID, actionPrefix)
	if !found {
		return "", "", "", false
	}
	i := strings.LastIndex(rest, ":")
	if i <= 0 {
		return "", "", "", false
	}
	idAct, index := rest[:i], rest[i+1:]
	if n, err := strconv.Atoi(index); err != nil || n < 0 || strconv.Itoa(n) != index {
		return "", "", "", false
	}
	parts := strings.SplitN(value, valueSep, 3)
	if len(parts) != 3 {
		return "", "", "", false
	}
	nudge, err := url.QueryUnescape(parts[0])
	if err != nil {
		return "", "", "", false
	}
	act, err = url.QueryUnescape(parts[1])
	if err != nil || act == "" {
		return "", "", "", false
	}
	// The act is written twice; both copies must agree (the id's copy may
	// be a prefix when the act was too long to fit in an action id).
	if idAct != act && (len(act) <= maxActInID || !strings.HasPrefix(act, idAct)) {
		return "", "", "", false
	}
	return nudge, act, parts[2], true
}

// button renders one action of a message, or nil when its value would
// exceed Slack's 2,000 characters: a truncated value would route the click
// to the wrong learner or answer.
func button(nudge string, i int, id, label, arg, style string) *slack.ButtonBlockElement {
	v := actionValue(nudge, id, arg)
	if utf8.RuneCountInString(v) > maxButtonValue {
		return nil
	}
	if blank(label) {
		label = id
	}
	b := slack.NewButtonBlockElement(actionID(id, i), v, plain(label, maxButtonText))
	switch style {
	case string(slack.StylePrimary), string(slack.StyleDanger):
		b.Style = slack.Style(style)
	}
	return b
}

// clampBytes cuts s to at most n bytes on a rune boundary.
func clampBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	b := []byte(s[:n])
	for !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b)
}
