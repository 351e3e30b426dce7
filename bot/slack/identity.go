package slack

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// Namespaces of the engine's identity cache. Slack ids never change for a
// user, so what is learned once (by email, by opening a DM) is kept; the
// cache lives in the engine's store, so a restart does not repeat the
// lookups for the whole roster.
const (
	nsUser    = "slack-user"    // manager id → Slack user id
	nsDM      = "slack-dm"      // Slack user id → DM channel id
	nsManager = "slack-manager" // Slack user id → manager id
)

// address is where a message for to is posted: a team channel as it is,
// a manager's direct messages by their Slack user id (chat.postMessage
// takes a user id and answers with the DM channel, so no
// conversations.open is needed to send).
func (a *Adapter) address(ctx context.Context, e Engine, to converse.Recipient) (string, error) {
	if to.Channel != "" {
		return to.Channel, nil
	}
	return a.slackUser(ctx, e, to.Manager)
}

// Ready reports whether a message for to can go out now (converse.Gate): a
// manager's Slack user is known, or the workspace's user list has been
// read (a manager it lacks is then looked up alone, or fails). Asking
// about an unknown manager starts reading the list, in the background
// (which first takes what the store already knows). It looks only in
// memory: the engine asks while it claims items, inside a write
// transaction, where a read of the store must not be opened.
func (a *Adapter) Ready(to converse.Recipient) bool {
	if to.Channel != "" {
		return true
	}
	e, err := a.bound()
	if err != nil {
		return true // Send says what is wrong
	}
	if a.opt.UserIDs[to.Manager] != "" || a.users.get(to.Manager) != "" {
		return true
	}
	return a.dir.ensure(a, e)
}

// slackUser finds a roster manager's Slack user: given in the options, or
// cached, or found in the workspace's user list by their roster email, or
// (for someone the list lacks) looked up alone by email. Concurrent
// lookups of one manager share one call.
func (a *Adapter) slackUser(ctx context.Context, e Engine, managerID string) (string, error) {
	if id := a.knownUser(e, managerID); id != "" {
		return id, nil
	}
	m := e.Config().Manager(managerID)
	if m == nil {
		return "", converse.Permanent("not_on_roster", fmt.Errorf("manager %q is not on the roster", managerID))
	}
	if strings.TrimSpace(m.Email) == "" {
		return "", converse.Permanent("no_slack_user", fmt.Errorf("manager %s has neither a Slack user id nor an email to find one by", managerID))
	}
	if !a.dir.ensure(a, e) {
		if err := a.dir.wait(ctx); err != nil {
			return "", converse.NotSent(err)
		}
		if id := a.knownUser(e, managerID); id != "" {
			return id, nil
		}
	}
	v, err, _ := a.lookups.Do(managerID, func() (any, error) {
		if id := a.knownUser(e, managerID); id != "" {
			return id, nil
		}
		var u *slack.User
		err := a.call(ctx, "users.lookupByEmail", func(ctx context.Context) (err error) {
			u, err = a.api.GetUserByEmailContext(ctx, m.Email)
			return err
		})
		if err != nil {
			// The email is personal data: the manager id says enough.
			return "", fmt.Errorf("find the Slack account of manager %s by email: %w", managerID, err)
		}
		a.remember(ctx, e, managerID, u.ID)
		return u.ID, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// learnDM remembers the DM channel Slack answered a post to a user with.
func (a *Adapter) learnDM(ctx context.Context, e Engine, uid, ch string) {
	if ch == "" || ch == uid || a.dms.get(uid) == ch {
		return
	}
	a.dms.put(uid, ch)
	if known, _ := e.Identity(nsDM, uid); known == ch {
		return // cached by an earlier run: a read spares a write
	}
	if err := e.SetIdentity(ctx, nsDM, uid, ch); err != nil {
		a.log.Warn().Err(err).Str("slack_user", uid).Msg("could not cache a DM channel")
	}
}

// dm is the direct-message channel between the bot and a user.
func (a *Adapter) dm(ctx context.Context, e Engine, uid string) (string, error) {
	if ch := a.knownDM(e, uid); ch != "" {
		return ch, nil
	}
	var ch *slack.Channel
	err := a.call(ctx, "conversations.open", func(ctx context.Context) (err error) {
		ch, _, _, err = a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{uid}})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("open a direct message with %s: %w", uid, err)
	}
	if ch == nil || ch.ID == "" {
		return "", fmt.Errorf("open a direct message with %s: Slack returned no channel", uid)
	}
	a.learnDM(ctx, e, uid, ch.ID)
	return ch.ID, nil
}

// knownUser is a manager's Slack user as far as it is known without asking
// Slack: given in the options, or cached in memory or in the store.
func (a *Adapter) knownUser(e Engine, managerID string) string {
	if id := a.opt.UserIDs[managerID]; id != "" {
		return id
	}
	if id := a.users.get(managerID); id != "" {
		return id
	}
	id, _ := e.Identity(nsUser, managerID)
	if id != "" {
		a.users.put(managerID, id)
	}
	return id
}

// memo is an in-memory copy of an identity namespace (ids Slack never
// changes), safe for the delivery workers.
type memo struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *memo) get(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key]
}

func (c *memo) put(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	c.m[key] = value
}

// remember caches a manager ↔ Slack user pair both ways. A failure only
// costs a lookup next time, so it is logged, not returned.
func (a *Adapter) remember(ctx context.Context, e Engine, managerID, uid string) {
	a.users.put(managerID, uid)
	if err := e.SetIdentities(ctx, [][3]string{{nsUser, managerID, uid}, {nsManager, uid, managerID}}); err != nil {
		a.log.Warn().Err(err).Str("manager", managerID).Msg("could not cache a Slack identity")
	}
}

// managerOf finds the roster manager behind a Slack user: from the
// options, the cache, or the user's Slack email matched against the
// roster. "" with a nil error means the user is not on the roster.
func (a *Adapter) managerOf(ctx context.Context, e Engine, uid string) (string, error) {
	cfg := e.Config()
	if id := a.byUser[uid]; id != "" && cfg.Manager(id) != nil {
		return id, nil
	}
	if id, ok := e.Identity(nsManager, uid); ok && cfg.Manager(id) != nil {
		return id, nil
	}
	email, err := a.emailOf(ctx, uid)
	if err != nil || email == "" {
		return "", err
	}
	for _, m := range cfg.Managers {
		if m.Email != "" && strings.EqualFold(strings.TrimSpace(m.Email), email) {
			a.remember(ctx, e, m.ID, uid)
			return m.ID, nil
		}
	}
	return "", nil
}

// emailOf is a Slack user's email (needs the users:read.email scope).
func (a *Adapter) emailOf(ctx context.Context, uid string) (string, error) {
	if uid == "" {
		return "", nil
	}
	var u *slack.User
	err := a.call(ctx, "users.info", func(ctx context.Context) (err error) {
		u, err = a.api.GetUserInfoContext(ctx, uid)
		return err
	})
	if code := slackCode(err); code == "user_not_found" || code == "users_not_found" {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("users.info %s: %w", uid, err)
	}
	if u.IsBot {
		return "", nil
	}
	return strings.TrimSpace(u.Profile.Email), nil
}

// isAdmin reports whether a Slack user may use L&D's admin commands: a
// roster manager marked admin, or someone named in Options.Admins.
func (a *Adapter) isAdmin(ctx context.Context, e Engine, uid, managerID string) bool {
	if managerID != "" && converse.Admin(e.Config(), managerID) {
		return true
	}
	if a.admins[uid] {
		return true
	}
	if !a.byEmail {
		return false
	}
	email, err := a.emailOf(ctx, uid)
	if err != nil {
		a.log.Warn().Err(err).Str("slack_user", uid).Msg("could not read a user's email to check admin rights")
		return false
	}
	return email != "" && a.admins[strings.ToLower(email)]
}
