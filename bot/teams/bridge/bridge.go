// Package bridge gives the Teams adapter today's engine: it satisfies
// teams.Engine with *bot.Engine's methods. The text commands live here
// for now; when the platform-neutral command layer exists, Command is
// re-pointed at it and the adapter does not change.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/nudges"
)

// Engine adapts *bot.Engine to teams.Engine.
type Engine struct {
	*bot.Engine
	// Reload re-reads the configuration for the admin command "reload";
	// nil disables it.
	Reload func(ctx context.Context) error
}

var _ teams.Engine = Engine{}

// Message is a nudge as it reads now, and whether it is still open.
func (b Engine) Message(manager, nudge string) (nudges.Message, bool, error) {
	m, it, err := b.Nudge(manager, nudge)
	if err != nil {
		return nudges.Message{}, false, err
	}
	return m, !it.Closed(), nil
}

// ManagerByEmail finds a roster manager by email, ignoring case.
func (b Engine) ManagerByEmail(email string) (string, bool) {
	if email == "" {
		return "", false
	}
	for _, m := range b.Config().Managers {
		if strings.EqualFold(m.Email, email) {
			return m.ID, true
		}
	}
	return "", false
}

// adminWords change what everyone receives: L&D admins only.
var adminWords = map[string]bool{"send": true, "pause": true, "resume": true, "reload": true, "retry": true}

// Command runs a text command for a manager.
func (b Engine) Command(ctx context.Context, manager, text string) (string, error) {
	args := strings.Fields(text)
	word := ""
	if len(args) > 0 {
		word, args = strings.ToLower(strings.TrimPrefix(args[0], "/")), args[1:]
	}
	admin := b.IsAdmin(manager)
	if adminWords[word] && !admin {
		// Decided before the arguments are read: a refused command does
		// nothing at all.
		return fmt.Sprintf("Sorry, %q is for L&D admins, so I haven't done anything. If you need it, ask your L&D team.", word), nil
	}
	switch word {
	case "", "help":
		return help(admin), nil
	case "status":
		o, err := b.Overview(manager)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d nudges waiting for you; %d pledges kept in a row.", len(o.Open), o.Streak), nil
	case "snooze":
		o, err := b.Overview(manager)
		if err != nil {
			return "", err
		}
		if len(o.Open) == 0 {
			return "Nothing to snooze: every nudge is answered.", nil
		}
		n := o.Open[len(o.Open)-1]
		res, err := b.HandleReply(ctx, bot.Reply{ID: "teams-snooze:" + n.Nudge + ":" + n.Sent.String(), Manager: manager, Nudge: n.Nudge, Action: nudges.ActSnooze})
		var fe bot.FieldErrors
		if errors.As(err, &fe) {
			return "Please check: " + fe.Error(), nil
		}
		return res.Text, err
	case "pause", "resume":
		if len(args) != 1 {
			return fmt.Sprintf("Usage: %s <program id>", word), nil
		}
		if err := b.SetPaused(ctx, args[0], word == "pause"); err != nil {
			return "", err
		}
		return fmt.Sprintf("Program %s %sd.", args[0], word), nil
	case "retry":
		n, err := b.RetryFailed(ctx)
		return fmt.Sprintf("%d failed deliveries queued again.", n), err
	case "send":
		if len(args) != 2 {
			return "Usage: send <checkin|assignment|pledge|summary> <manager id>", nil
		}
		ids, err := b.SendNow(ctx, args[1], nudges.Kind(args[0]))
		if err != nil {
			return "Could not send: " + err.Error(), nil
		}
		return fmt.Sprintf("Queued %d nudges.", len(ids)), nil
	case "reload":
		if b.Reload == nil {
			return "Reload is not available here.", nil
		}
		if err := b.Reload(ctx); err != nil {
			return "Reload failed: " + err.Error(), nil
		}
		return "Configuration reloaded.", nil
	}
	return fmt.Sprintf("I don't know %q. %s", word, help(admin)), nil
}

func help(admin bool) string {
	s := "Type home (your week), checkin, pledge, status or snooze. Anything else you write is kept as a note on your latest nudge."
	if admin {
		s += " Admin: send <kind> <manager>, pause <program>, resume <program>, retry, reload."
	}
	return s
}
