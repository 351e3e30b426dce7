// Package converse is the platform-neutral side of talking with managers:
// what every chat adapter (the shell, Slack, Teams) shares, so that each
// adapter only parses its platform's payloads into these values and
// renders the answers back.
//
// It holds, once:
//   - the delivery contract (Chat, Recipient and the errors by which a
//     platform says how a send went), which the engine drives;
//   - the command grammar and its help (Parse, Specs, Help): text in, a
//     typed Command or a usage error out, with no lookup;
//   - the authorisation rule for L&D's commands (Authorize), decided
//     before a command's arguments are read;
//   - the executor (Executor.Run), which runs a parsed command for a
//     caller against a small Engine interface and returns a neutral
//     Answer;
//   - the rules a reply's answers must meet (Check, CheckIn, Pledge,
//     Outcome), pure functions the engine applies before it writes, so an
//     invalid reply never joins (nor rolls back) a commit shared with
//     other replies;
//   - the reply ids (AnswerID, DeliveryID), keyed on what was answered,
//     never on a button's position.
//
// Why a package of its own, beside the engine rather than in it: the
// engine (package bot) imports the store, and adapters must not, so that
// only the engine writes the data file and an adapter's tests and fakes
// need no bbolt. The arrows run adapters → converse ← bot → store; the
// engine satisfies the adapters' interfaces, which each adapter declares
// for itself, and cmd/nudgebot wires the two together.
package converse
