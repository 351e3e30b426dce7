package shell

import (
	"context"
	"errors"
	"strings"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
)

// hold answers the question asked after ignored nudges (or changes the
// answer later): keep, pause or stop.
func (a *Adapter) hold(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: hold keep|pause|stop")
	}
	ref, _, _ := a.pick(nil, nudges.KindHold)
	return a.reply(ctx, bot.Reply{Nudge: ref, Action: nudges.ActHold,
		Fields: map[string]string{nudges.FieldHold: strings.ToLower(args[0])}})
}
