package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// directory reads the workspace's user list (users.list, a page of
// listPage users per call) to find the Slack users of roster managers by
// their email: a first run for 2,000 managers costs ten calls instead of
// 2,000 users.lookupByEmail at Tier 3's 50 a minute. What it finds is
// cached in memory and in the store, as the single lookups are; messages
// go out to the managers found while later pages are still being read
// (see Adapter.Ready).
type directory struct {
	mu      sync.Mutex
	state   int
	done    chan struct{} // closed once read
	changed chan struct{} // closed (and replaced) when more users are known
}

// signal closes the changed channel: whoever waits on it looks again.
func (d *directory) signal() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.changed != nil {
		close(d.changed)
	}
	d.changed = make(chan struct{})
}

// Changed is closed when managers the directory did not know may be known
// now (converse.Gate).
func (a *Adapter) Changed() <-chan struct{} {
	d := &a.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.changed == nil {
		d.changed = make(chan struct{})
	}
	return d.changed
}

// States of the directory.
const (
	dirIdle    = iota // not read (or a manager appeared since it was)
	dirReading        // being read, in the background
	dirRead           // read: managers it lacks are looked up alone
)

// listPage is the page size Slack recommends for users.list. A page that
// fails for a moment of Slack's (a 5xx, a timeout) is asked again after
// listRetry, however many times: giving the list up for single lookups
// (users.lookupByEmail, Tier 3) would cost a call a manager to the same
// Slack, a hundred of them to find a hundred managers where the list
// takes one. Only a refusal (a missing scope) gives it up.
const listPage = 200

// listRetry is the wait before a failed page is asked again (tests
// shorten it).
var listRetry = backoffFor

// maxListFailures is how many failures in a row a reading of the bot's
// DMs (imList) tolerates before its caller is told.
const maxListFailures = 5

// ensure reports whether the list has been read, and starts reading it if
// nobody has.
func (d *directory) ensure(a *Adapter, e Engine) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.state {
	case dirRead:
		return true
	case dirReading:
		return false
	}
	j := a.prepare(func(ctx context.Context) { d.read(ctx, a, e) })
	if j == nil {
		return true // shutting down: let Send say so
	}
	d.state, d.done = dirReading, make(chan struct{})
	j.start()
	return false
}

// wait blocks until the list has been read, ctx ends or the bot stops.
func (d *directory) wait(ctx context.Context) error {
	d.mu.Lock()
	done := d.done
	d.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-converse.Stopping(ctx):
		return errStopping
	}
}

// read pages through users.list and remembers every roster manager found
// by email. Rate limits are waited out (the pacer holds users.list after a
// 429); other transient failures are retried with backoff; a refusal (a
// missing scope) ends the reading, and managers are then looked up alone.
func (d *directory) read(ctx context.Context, a *Adapter, e Engine) {
	defer func() {
		d.mu.Lock()
		d.state = dirRead
		close(d.done)
		d.mu.Unlock()
		d.signal()
	}()
	wanted := map[string]string{} // lower-cased email → manager id
	for _, m := range e.Config().Managers {
		// knownUser also brings what the store knows into memory.
		if m.Email != "" && a.knownUser(e, m.ID) == "" {
			wanted[strings.ToLower(strings.TrimSpace(m.Email))] = m.ID
		}
	}
	d.signal() // those the store knew are ready now
	if len(wanted) == 0 {
		return
	}
	p := a.api.GetUsersPaginated(slack.GetUsersOptionLimit(listPage), slack.GetUsersOptionIncludeLocale(false))
	found, failures := 0, 0
	for len(wanted) > 0 {
		err := a.call(ctx, "users.list", func(ctx context.Context) error {
			next, err := p.Next(ctx)
			if err == nil {
				p = next
			}
			return err
		})
		if p.Done(err) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if _, limited := retryAfter(err); limited {
				continue // held by the pacer until Slack's wait is over
			}
			var perm *converse.PermanentError
			failures++
			if errors.As(deliveryError(err, false), &perm) {
				a.log.Warn().Err(err).Msg("cannot read the workspace's user list; managers will be looked up one by one")
				return
			}
			a.log.Warn().Err(err).Int("failures", failures).Msg("could not read a page of the workspace's user list; asking again")
			if sleep(ctx, listRetry(failures)) != nil {
				return
			}
			continue
		}
		failures = 0
		var entries [][3]string
		for _, u := range p.Users {
			if u.Deleted || u.IsBot {
				continue
			}
			email := strings.ToLower(strings.TrimSpace(u.Profile.Email))
			id, ok := wanted[email]
			if !ok || email == "" {
				continue
			}
			delete(wanted, email)
			a.users.put(id, u.ID)
			entries = append(entries, [3]string{nsUser, id, u.ID}, [3]string{nsManager, u.ID, id})
		}
		found += len(entries) / 2
		if len(entries) > 0 {
			d.signal()
			if err := e.SetIdentities(ctx, entries); err != nil {
				a.log.Warn().Err(err).Msg("could not cache Slack identities")
			}
		}
	}
	a.log.Info().Int("found", found).Int("not_found", len(wanted)).Msg("read the workspace's user list")
}

// backoffFor is a capped exponential wait for the nth consecutive failure.
func backoffFor(n int) time.Duration {
	return min(time.Second<<min(n-1, 6), time.Minute)
}
