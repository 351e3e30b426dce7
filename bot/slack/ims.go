package slack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// imList learns the bot's direct-message channels in bulk, through
// users.conversations (types=im, imPage a call), for the history checks of
// unsure nudges. A manager whose first post came back unsure has no known
// DM channel (Slack names it only in a successful answer), and
// conversations.open for each of them cost a call to a Tier 3 method,
// as the check itself does; one reading answers for a thousand managers.
// It also answers a question by itself: a manager who has no DM with the
// bot, in a reading started after the unsure post ended, was never posted
// to, and no history needs to be read.
type imList struct {
	mu      sync.Mutex
	reading *imRead   // the reading in progress, or nil
	last    time.Time // when the last complete reading started (zero: none yet)
	refused error     // Slack refused the reading for good (no im:read scope)
}

// imRead is one reading of the list, shared by whoever waits for it.
type imRead struct {
	started time.Time
	done    chan struct{} // closed when it ends
	err     error         // set before done is closed
}

// imPage is the largest page users.conversations allows.
const imPage = 999

// freshDM is the DM channel between the bot and uid: known from an earlier
// post or reading (memory, then the store), or from a reading of the bot's
// DMs that started after asked. ok is false, with a nil error, when no DM
// with uid existed as that reading started: nothing was ever posted to uid
// before asked. Concurrent callers share readings.
func (a *Adapter) freshDM(ctx context.Context, e Engine, uid string, asked time.Time) (ch string, ok bool, err error) {
	l := &a.ims
	for {
		if ch := a.knownDM(e, uid); ch != "" {
			return ch, true, nil
		}
		l.mu.Lock()
		if l.refused != nil {
			l.mu.Unlock()
			return "", false, l.refused
		}
		if !l.last.IsZero() && !l.last.Before(asked) {
			l.mu.Unlock()
			return "", false, nil
		}
		r := l.reading
		if r == nil {
			r = &imRead{started: time.Now(), done: make(chan struct{})}
			l.reading = r
			l.mu.Unlock()
			r.err = a.readIMs(ctx, e)
			l.mu.Lock()
			if r.err == nil && r.started.After(l.last) {
				l.last = r.started
			}
			var perm *converse.PermanentError
			if errors.As(r.err, &perm) {
				l.refused = r.err
			}
			l.reading = nil
			l.mu.Unlock()
			close(r.done)
			if r.err != nil {
				return "", false, r.err
			}
			continue
		}
		l.mu.Unlock()
		select {
		case <-r.done:
		case <-ctx.Done():
			return "", false, ctx.Err()
		case <-converse.Stopping(ctx):
			return "", false, converse.NotSent(errStopping)
		}
		if r.err != nil && !r.started.Before(asked) {
			return "", false, r.err // the reading this caller needed failed: do not start another at once
		}
	}
}

// knownDM is the DM channel with uid as far as it is known without asking
// Slack.
func (a *Adapter) knownDM(e Engine, uid string) string {
	if ch := a.dms.get(uid); ch != "" {
		return ch
	}
	if ch, ok := e.Identity(nsDM, uid); ok && ch != "" {
		a.dms.put(uid, ch)
		return ch
	}
	return ""
}

// readIMs pages through the bot's DMs and remembers each one's channel, in
// memory and in the store. A page that fails is asked again (a 429 is
// waited out by the pacer; other failures back off), up to
// maxListFailures failures in a row; a refusal ends the reading.
func (a *Adapter) readIMs(ctx context.Context, e Engine) error {
	p := &slack.GetConversationsForUserParameters{Types: []string{"im"}, Limit: imPage, ExcludeArchived: true}
	for failures := 0; ; {
		var chans []slack.Channel
		var next string
		err := a.call(ctx, "users.conversations", func(ctx context.Context) (err error) {
			chans, next, err = a.api.GetConversationsForUserContext(ctx, p)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if _, limited := retryAfter(err); limited {
				continue // held by the pacer until Slack's wait is over
			}
			err = deliveryError(err, false)
			var perm *converse.PermanentError
			if failures++; errors.As(err, &perm) || failures > maxListFailures {
				return err
			}
			if err := sleep(ctx, backoffFor(failures)); err != nil {
				return err
			}
			continue
		}
		failures = 0
		var entries [][3]string
		for _, c := range chans {
			if !c.IsIM || c.User == "" || c.ID == "" || a.dms.get(c.User) == c.ID {
				continue
			}
			a.dms.put(c.User, c.ID)
			if known, _ := e.Identity(nsDM, c.User); known != c.ID {
				entries = append(entries, [3]string{nsDM, c.User, c.ID})
			}
		}
		if len(entries) > 0 {
			if err := e.SetIdentities(ctx, entries); err != nil {
				a.log.Warn().Err(err).Msg("could not cache DM channels")
			}
		}
		if next == "" {
			return nil
		}
		p.Cursor = next
	}
}
