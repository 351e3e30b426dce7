package converse

import (
	"context"
	"errors"

	"github.com/nudgebot/nudgebot/config"
)

// Caller is who typed a command, as the adapter identified them.
type Caller struct {
	// Manager is their roster id, or "" for someone not on the roster.
	Manager string
	// Admin: they may use L&D's commands (see Admin).
	Admin bool
}

// Refusals of Authorize.
var (
	ErrAdminOnly   = errors.New("only L&D admins may use this command")
	ErrNotOnRoster = errors.New("not on the roster")
)

// Authorize is the one rule for who may run a command, decided before its
// arguments are read so that a refused command does nothing at all:
// commands that change what others receive (Spec.Admin) are for L&D
// admins, whether or not they lead a team; every other command acts on
// the caller's own nudges and needs a manager on the roster.
func Authorize(c Command, who Caller) error {
	if c.Admin() {
		if !who.Admin {
			return ErrAdminOnly
		}
		return nil
	}
	if who.Manager == "" {
		return ErrNotOnRoster
	}
	return nil
}

// Admin reports whether a roster manager is an L&D admin. A platform may
// name admins of its own besides (Slack's admins option, by user id or
// email): the adapter ORs those in when it builds the Caller.
func Admin(cfg *config.Config, managerID string) bool {
	m := cfg.Manager(managerID)
	return m != nil && m.Admin
}

// Interpret reads a command typed by someone on a chat surface and
// applies the admin rule before anything else: an admin command is
// refused (ErrAdminOnly) to a non-admin even when mistyped, so its usage
// is not shown and nothing is done; any other command needs a manager on
// the roster (ErrNotOnRoster). Then come the grammar's errors
// (*UsageError, *UnknownCommandError). isAdmin is asked only when the
// answer matters (an admin command, help, an unknown word whose reply
// lists the commands), because a platform may need a call to know it.
// The Caller returned is the one to run the command for.
func Interpret(on Surface, text, manager string, isAdmin func() bool) (Command, Caller, error) {
	c, err := Parse(on, text)
	spec := c.Spec()
	var usage *UsageError
	var unknown *UnknownCommandError
	if errors.As(err, &usage) {
		spec = usage.Spec
	}
	who := Caller{Manager: manager}
	if spec.Admin || spec.Name == CmdHelp || errors.As(err, &unknown) {
		who.Admin = isAdmin()
	}
	if aerr := Authorize(Command{Name: spec.Name}, who); aerr != nil {
		return Command{Name: spec.Name}, who, aerr
	}
	return c, who, err
}

type actorKey struct{}

// WithActor says who is acting in ctx: an admin's roster id, or how the
// dashboard names who signed in. The engine writes it into the audit
// entry it records in the same commit as the action, so an action is one
// entry that says who.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf is who WithActor said is acting in ctx ("" if nobody did).
func ActorOf(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}
