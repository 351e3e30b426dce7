// Package slack is nudgebot's Slack adapter.
//
// Adapter (adapter.go) is the platform the engine talks to. It delivers
// nudges as direct messages and summaries and shout-outs as team channel
// posts (deliver.go), paced within Slack's limits and honouring its
// Retry-After (pace.go); every post carries the nudge id in Slack's message
// metadata, so after a crash Delivered finds what was already posted and
// nothing is sent twice. It turns what managers do in Slack — buttons,
// modal submissions, direct messages, the Home tab, /nudge — into engine
// calls (inbound.go, command.go), arriving over Socket Mode (socket.go) or
// Slack's signed HTTP requests (http.go). What is not Slack's own comes
// from the conversation layer (package converse): /nudge's grammar, help
// and admin rule, the executor of commands, the reply ids and the form
// rules. The adapter reaches the engine only through its Engine interface
// (engine.go), never the store. Roster managers are matched to Slack users
// by the roster's ids or emails, cached through the engine (identity.go).
//
// The rest of the package renders the platform-neutral message model of
// package nudges as Block Kit: nudges as direct messages with buttons,
// their forms as modals, the manager's week as the App Home tab, and
// channel posts without any interactive element. The renderers are pure
// functions of their input: no network, no clock, no state. ParseAction
// and ParseSubmission are the exact inverses of the rendering, so the wire
// format of a button or a form can change in one place.
//
// Slack rejects a whole payload when one limit is exceeded (50 blocks per
// message, 3,000 characters per section, 75 per button label, 24 per modal
// title, ...), and a rejected nudge is a lost nudge. The renderers therefore
// clamp every text to its limit and merge or trim body text rather than
// fail; what they never trim silently is routing data: a button whose value
// would not fit is left out rather than sent with a truncated value that
// would record the wrong answer.
package slack
