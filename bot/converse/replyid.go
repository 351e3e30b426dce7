package converse

import "net/url"

// Reply ids make a redelivered answer count once (HandleReply stores each
// id once). There are two kinds, and every adapter uses the same two:
//
//   - AnswerID for an act on a nudge (snooze, rate, skip, an outcome): keyed
//     on what was answered (the nudge, the act and its argument, for an
//     outcome the learner and the outcome), never on where a button sat or
//     which payload carried it. A double click, a redelivered payload and
//     the same act typed as a command are one answer; an outcome for
//     another learner is another.
//   - DeliveryID for what has no such key (a form's submission, a note, a
//     command with no nudge): the platform's own id of the delivery (a
//     view's hash, an event id, a line of a shell session), which a
//     redelivery repeats.

// AnswerID is the reply id of act on nudge with argument arg. The nudge
// and the act are query-escaped, so a "|" in either cannot shift the
// fields; arg is last and kept verbatim ("learner|outcome" has one).
// Slack's buttons carried this very string as their value, so answers
// stored before keep matching.
func AnswerID(nudge, act, arg string) string {
	return "answer:" + url.QueryEscape(nudge) + "|" + url.QueryEscape(act) + "|" + arg
}

// DeliveryID is the reply id of an answer known only by the delivery that
// carried it: source names the kind of delivery ("view", "event", a shell
// session), id the platform's id for it.
func DeliveryID(source, id string) string { return source + ":" + id }
