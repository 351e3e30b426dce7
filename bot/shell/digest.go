package shell

import (
	"context"
	"errors"

	"github.com/nudgebot/nudgebot/bot"
)

// digest queues L&D's digest for the admin the shell acts as; it prints
// when the engine delivers it, like any DM.
func (a *Adapter) digest(ctx context.Context) error {
	ids, err := a.e.SendDigest(ctx, a.as)
	if errors.Is(err, bot.ErrNotAdmin) {
		return errors.New("digest: only L&D admins get the digest (try 'as' an admin)")
	}
	if err != nil {
		return err
	}
	a.printf("digest queued: %d program(s)\n", len(ids))
	return nil
}
