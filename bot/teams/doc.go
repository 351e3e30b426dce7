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
// The package depends on the engine only through the small interfaces in
// engine.go, so the conversation logic can move without touching it.
package teams
