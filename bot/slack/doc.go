// Package slack is nudgebot's Slack adapter. This part of it renders the
// platform-neutral message model of package nudges as Block Kit: nudges as
// direct messages with buttons, their forms as modals, the manager's week as
// the App Home tab, and channel posts (summaries, shout-outs) without any
// interactive element.
//
// Everything here is a pure function of its input: no network, no clock, no
// state. The Socket Mode or HTTP transport calls these functions and sends
// the result, then feeds what Slack hands back (action ids and values, view
// submissions) through ParseAction and ParseSubmission, which are the exact
// inverses of the rendering. Keeping the two halves in one package means the
// wire format of a button or a form can change in one place.
//
// Slack rejects a whole payload when one limit is exceeded (50 blocks per
// message, 3,000 characters per section, 75 per button label, 24 per modal
// title, ...), and a rejected nudge is a lost nudge. The renderers therefore
// clamp every text to its limit and merge or trim body text rather than
// fail; what they never trim silently is routing data: a button whose value
// would not fit is left out rather than sent with a truncated value that
// would record the wrong answer.
package slack
