// Package teams is nudgebot's Microsoft Teams platform. Teams speaks the
// Bot Framework protocol: the bot serves POST /api/messages, where every
// activity carries a JWT that is checked before anything else, and it
// talks back through the connector REST API of the activity's service URL
// with a client-credentials token. There is no maintained Go SDK, so the
// protocol pieces live here: the token validation with its own key cache
// (generic JWKS libraries drop the endorsements Teams relies on), the
// connector client with Teams' pacing, Adaptive Card rendering, and the
// translation of card actions and messages into engine calls.
//
// What is not Teams' own comes from the conversation layer (bot/converse),
// shared with Slack and the shell: the command grammar and its help, the
// admin rule, the form rules and the reply ids. The package reaches the
// engine only through the small interface in engine.go, which *bot.Engine
// satisfies as it is; it never imports the store.
package teams
