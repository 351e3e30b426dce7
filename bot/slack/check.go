package slack

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/slack-go/slack"
)

// authFailures are the answers that mean the token itself is wrong.
var authFailures = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true, "no_permission": true,
}

// Backoff between attempts to verify the token at start: Slack has bad
// minutes (a 503, a timeout), and a bot that exits on one is restarted
// by its supervisor into the same minute, or not at all.
const (
	checkRetryMin = 250 * time.Millisecond
	checkRetryMax = 30 * time.Second
)

// Check calls auth.test, so a missing or wrong token fails at start-up with
// a message that says which token and what to do, instead of every nudge
// failing later. Only Slack refusing the token is final: any other failure
// (5xx, a timeout, the network) is retried with capped, jittered backoff
// until ctx ends (a 429 waits out its Retry-After through call). The token
// itself never appears in the error.
func (a *Adapter) Check(ctx context.Context) error {
	wait := checkRetryMin
	var last error // the last failure that was Slack's, not our shutdown
	for attempt := 1; ; attempt++ {
		var resp *slack.AuthTestResponse
		err := a.call(ctx, "auth.test", func(ctx context.Context) (err error) {
			resp, err = a.api.AuthTestContext(ctx)
			return err
		})
		if err == nil {
			a.log.Info().Str("team", resp.Team).Str("bot_user", resp.UserID).Msg("Slack bot token accepted")
			return nil
		}
		if code := slackCode(err); authFailures[code] {
			return fmt.Errorf("slack: Slack rejected the bot token (%s): use the app's current Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page", code)
		}
		if ctx.Err() == nil || last == nil {
			last = err
		}
		d := jitter(wait)
		if ctx.Err() == nil {
			a.log.Warn().Err(err).Int("attempt", attempt).Dur("retry_in", d).Msg("could not verify the bot token with Slack; retrying")
		}
		if sleep(ctx, d) != nil {
			return fmt.Errorf("slack: verify the bot token with auth.test (%d attempts): %w", attempt, last)
		}
		wait = min(wait*2, checkRetryMax)
	}
}

// jitter spreads d over [d/2, d), so that bots restarted together do not
// retry in step.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}
