package slack

import (
	"context"

	"github.com/nudgebot/nudgebot/bot"
)

// digest queues L&D's digest as a DM to the admin who asked. It goes to
// admins on the roster only: the digest names managers and carries red
// flags, and a DM is where it cannot be read over anyone's shoulder.
func (a *Adapter) digest(ctx context.Context, e *bot.Engine, mgr string) string {
	if mgr == "" || !e.IsAdmin(mgr) {
		return "The digest goes to L&amp;D admins on the roster (a manager entry with `admin = true`), as a direct message. Ask whoever keeps the configuration to add you."
	}
	ids, err := e.SendDigest(ctx, mgr)
	if err != nil {
		a.log.Error().Err(err).Msg("could not queue a digest")
		return textTryAgain
	}
	a.log.Info().Int("programs", len(ids)).Msg("digest queued on an admin's request")
	return mrkdwnf("Your digest of %d %s is on its way as a direct message.", len(ids), plural(len(ids), "program", "programs"))
}
