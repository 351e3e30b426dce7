package teams

import (
	"context"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Engine is what the adapter asks of the rest of nudgebot. It is declared
// here, where it is used, and kept small, so the conversation logic behind
// it can move without this package changing.
type Engine interface {
	// HandleReply stores a manager's answer exactly once (the reply id
	// dedupes redeliveries) and applies its effects.
	HandleReply(ctx context.Context, r converse.Reply) (converse.Result, error)
	// FirstDelivery marks an inbound request handled and reports whether
	// it is the first time it arrived.
	FirstDelivery(ctx context.Context, id string) (bool, error)
	// CheckForm validates a form's answers without storing anything.
	CheckForm(manager string, kind nudges.Kind, fields map[string]string) (converse.FieldErrors, error)
	// Message is a nudge as it reads now, to redraw its card, and whether
	// it is still open.
	Message(manager, nudge string) (m nudges.Message, open bool, err error)
	// NewForm is the form of a check-in or pledge the manager starts.
	NewForm(manager string, kind nudges.Kind) (*nudges.Form, error)
	// Overview is a manager's week, for the home card.
	Overview(manager string) (nudges.Overview, error)
	// ManagerByEmail names the roster manager with this email (case
	// insensitive), if any.
	ManagerByEmail(email string) (string, bool)
	// IsAdmin reports whether a manager may use admin commands.
	IsAdmin(manager string) bool
	// Command runs a text command (the words after "nudge", as typed) for
	// a manager and returns the answer to show. Admin commands are refused
	// there for non-admins: one rule for every platform.
	Command(ctx context.Context, manager, text string) (string, error)
	// Identity and SetIdentity keep conversation references durably.
	Identity(ns, key string) (string, bool)
	SetIdentity(ctx context.Context, ns, key, value string) error
}
