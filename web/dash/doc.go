// Package dash is L&D's web dashboard: server-rendered pages of the
// rollout's figures, the calendar preview, coaching logs, delivery health
// and the audit log; admin actions (test send, pause and resume, the digest,
// a person's export and erasure, the report as CSV); and a JSON API for BI
// tools. Everything sits behind a session: OpenID Connect sign-in with roles
// from the configuration, or a static admin token for air-gapped installs.
//
// The package knows the bot only through the Backend interface, so the
// wiring decides where figures come from (see web/dash/botsrc). Pages carry
// no script at all and load nothing from elsewhere; charts are SVG drawn
// here. The Content-Security-Policy says so to the browser.
package dash
