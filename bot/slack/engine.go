package slack

import (
	"context"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Engine is what the adapter asks of the engine (*bot.Engine has it):
// running commands and storing replies (converse.Engine), knowing a
// payload it has handled already, a small cache of Slack identities, and
// the nudges and forms it shows. It never reaches the store itself.
type Engine interface {
	converse.Engine
	FirstDelivery(ctx context.Context, id string) (bool, error)
	Identity(ns, key string) (string, bool)
	SetIdentity(ctx context.Context, ns, key, value string) error
	SetIdentities(ctx context.Context, entries [][3]string) error
	NewForm(managerID string, kind nudges.Kind) (*nudges.Form, error)
	Show(managerID, nudgeID string) (converse.Nudge, error)
}

// binding holds the bound engine, so it can be swapped atomically.
type binding struct{ Engine }

// engineOf is the bound engine, or nil.
func (a *Adapter) engineOf() Engine {
	if b := a.engine.Load(); b != nil {
		return b.Engine
	}
	return nil
}
