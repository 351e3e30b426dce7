package slack

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// Buttons carry everything the adapter needs to route a click, so a click
// can be handled without looking up the message it came from (which may be
// weeks old, or from before a restart):
//
//	action_id  nb:<act>:k<digest>        e.g. nb:outcome:k1f0c9a3b5d7e2468
//	value      <nudge>|<act>|<argument>  e.g. 3f9c…|outcome|priya|applied
//
// <digest> names what the button answers (a digest of its value), not
// where it sits: a message redrawn without some buttons keeps the others'
// ids, and two buttons doing different things never share one. Buttons
// posted before this format carry the button's position instead
// (nb:outcome:7); they are still read. The nudge id and the act are
// query-escaped, so a "|" in either cannot shift the fields; the argument
// is the last field and is kept verbatim, "|" and all, because
// nudges.ActOutcome already uses "|" inside it (learner|outcome).
const (
	actionPrefix = "nb:"
	valueSep     = "|"
	// maxActInID bounds the act inside an action id so that the id stays
	// within 255 characters whatever the act; the value carries it in full.
	maxActInID = 200
)

// actionID is the action_id of the button doing act with value.
func actionID(act, value string) string {
	a := act
	if len(a) > maxActInID {
		a = clampBytes(a, maxActInID)
	}
	return actionPrefix + a + ":" + digestKey + valueDigest(value)
}

// digestKey marks an action id's last field as a digest, which an index
// (all digits) never starts with.
const digestKey = "k"

// valueDigest is 64 bits of the value's SHA-256: enough that two buttons
// of one message never collide, short enough for any act to fit.
func valueDigest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:8])
}

// ReplyKey names what a click answers, for the engine's idempotency: the
// conversation layer's AnswerID of the nudge, the act and its argument
// (for an outcome, the learner and the outcome). The same button clicked
// twice, its payload redelivered, or the same act typed as a command, is
// one answer; an answer about another learner is another answer, wherever
// its button sat in the message.
func ReplyKey(nudge, act, arg string) string { return converse.AnswerID(nudge, act, arg) }

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
	idAct, key := rest[:i], rest[i+1:]
	if !isIndex(key) && key != digestKey+valueDigest(value) {
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

// isIndex reports whether s is a button's position, as action ids posted
// before the digest format carry it.
func isIndex(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && strconv.Itoa(n) == s
}

// button renders one action of a message, or nil when its value would
// exceed Slack's 2,000 characters: a truncated value would route the click
// to the wrong learner or answer.
func button(nudge, id, label, arg, style string) *slack.ButtonBlockElement {
	v := actionValue(nudge, id, arg)
	if utf8.RuneCountInString(v) > maxButtonValue {
		return nil
	}
	if blank(label) {
		label = id
	}
	b := slack.NewButtonBlockElement(actionID(id, v), v, plain(label, maxButtonText))
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
