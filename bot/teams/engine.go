package teams

import (
	"context"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Engine is what the adapter asks of the rest of nudgebot; *bot.Engine
// has it. It is declared here, where it is used, and kept to what Teams
// needs beyond running commands and storing replies (converse.Engine): the
// grammar, the admin rule, the form rules and the reply ids all live in
// the conversation layer, so Teams answers exactly as Slack and the shell
// do.
type Engine interface {
	converse.Engine
	// FirstDelivery marks an inbound activity handled and reports whether
	// it is the first time it arrived (Teams redelivers a slow one).
	FirstDelivery(ctx context.Context, id string) (bool, error)
	// NewForm is the form of a check-in or pledge the manager starts.
	NewForm(manager string, kind nudges.Kind) (*nudges.Form, error)
	// Show is a nudge as it reads now, to redraw its card.
	Show(manager, nudge string) (converse.Nudge, error)
	// Identity and SetIdentity keep conversation references durably.
	Identity(ns, key string) (string, bool)
	SetIdentity(ctx context.Context, ns, key, value string) error
}
