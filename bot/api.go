package bot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// What adapters ask of the engine beyond delivering and replying: a
// manager's week for a home screen, the form behind a nudge, admin actions,
// and a small identity cache (adapters never touch the store themselves).

// Overview is a manager's own week: open nudges, pledge and streak, each
// team's progress, recent wins.
func (e *Engine) Overview(managerID string) (nudges.Overview, error) {
	cfg := e.Config()
	m := cfg.Manager(managerID)
	if m == nil {
		return nudges.Overview{}, fmt.Errorf("overview: %w %q", ErrUnknownManager, managerID)
	}
	now := e.now()
	o := nudges.Overview{Manager: m}
	var prog *nudges.Program
	if len(m.Programs) > 0 {
		prog = cfg.Program(m.Programs[0])
		o.Context = nudges.Where(prog, nudges.DateOf(now.In(m.Calendar.Location)))
	}
	err := e.store.View(func(tx *store.Tx) error {
		st, err := tx.ManagerState(m.ID)
		if err != nil {
			return err
		}
		if st.Pledge != nil {
			o.Pledge = st.Pledge.Text
		}
		o.Streak, o.Pledged = st.Streak, st.Pledged
		if st.Pledged > 0 {
			o.KeptRate = (float64(st.Kept) + float64(st.Partly)/2) / float64(st.Pledged)
		}
		open, err := tx.OpenItems(m.ID)
		if err != nil {
			return err
		}
		for _, it := range open {
			if it.State == store.Sent { // not those still on their way
				o.Open = append(o.Open, nudges.OpenNudge{Nudge: it.ID, Kind: it.Kind, Title: openTitle(it), Sent: it.SentAt})
			}
		}
		if prog == nil {
			return nil
		}
		for _, t := range cfg.TeamsOf(m.ID) {
			p, err := e.progress(tx, cfg, m, prog, t, now)
			if err != nil {
				return err
			}
			o.Teams = append(o.Teams, p)
			o.Wins = append(o.Wins, p.Wins...)
		}
		return nil
	})
	slices.SortFunc(o.Open, func(a, b nudges.OpenNudge) int { return b.Sent.Compare(a.Sent) })
	slices.Reverse(o.Wins)
	return o, err
}

func openTitle(it *store.Item) string {
	switch it.Kind {
	case nudges.KindCheckIn:
		return "Check-in"
	case nudges.KindPledge:
		return "Weekly pledge"
	case nudges.KindAssignment:
		return "Micro-assignment"
	}
	return string(it.Kind)
}

// Nudge composes a manager's nudge as it reads now, for a form (its Form)
// or to redraw the message once answered; it also returns the outbox item,
// whose Ref names the platform message.
func (e *Engine) Nudge(managerID, nudgeID string) (nudges.Message, store.Item, error) {
	var msg nudges.Message
	var item store.Item
	err := e.store.View(func(tx *store.Tx) error {
		it, err := tx.Item(nudgeID)
		if err != nil {
			return err
		}
		if it == nil || it.Manager != managerID {
			return fmt.Errorf("nudge %q of %s: %w", nudgeID, managerID, ErrUnknownNudge)
		}
		item = *it
		var skip string
		msg, skip, err = e.compose(tx, e.Config(), it)
		if err == nil && skip != "" {
			err = fmt.Errorf("nudge %q: %s", nudgeID, skip)
		}
		return err
	})
	return msg, item, err
}

// NewForm is the form for a check-in or pledge a manager starts on their
// own (a slash command, a button on the home screen).
func (e *Engine) NewForm(managerID string, kind nudges.Kind) (*nudges.Form, error) {
	cfg := e.Config()
	m := cfg.Manager(managerID)
	if m == nil {
		return nil, fmt.Errorf("form: %w %q", ErrUnknownManager, managerID)
	}
	switch kind {
	case nudges.KindCheckIn:
		minutes := 15
		if s := anyScript(cfg); s != nil {
			minutes = s.Minutes
		}
		return nudges.CheckInForm(membersOf(cfg, m.ID), minutes, nil), nil
	case nudges.KindPledge:
		var st store.ManagerState
		if err := e.store.View(func(tx *store.Tx) (err error) {
			st, err = tx.ManagerState(m.ID)
			return err
		}); err != nil {
			return nil, err
		}
		c := nudges.Context{Kind: nudges.KindPledge, Program: &nudges.Program{}, Streak: st.Streak}
		if st.Pledge != nil && !st.Pledge.Reviewed {
			c.Pledge = st.Pledge.Text
		}
		return nudges.Compose(c).Form, nil
	}
	return nil, fmt.Errorf("form: no form for %q nudges", kind)
}

// IsAdmin reports whether a manager may use L&D's admin commands (the
// conversation layer's rule, converse.Admin).
func (e *Engine) IsAdmin(managerID string) bool { return converse.Admin(e.Config(), managerID) }

// SetPaused pauses or resumes a program's scheduled nudges. The choice is
// stored, outlives restarts and reloads, and takes effect at once: a new
// effective configuration is built and the schedule recomputed (paused
// programs plan nothing). The configuration in force is never written:
// compose and home screens may be reading it.
func (e *Engine) SetPaused(ctx context.Context, program string, paused bool) error {
	if e.Config().Program(program) == nil {
		return fmt.Errorf("no program %q", program)
	}
	action := map[bool]string{true: "pause", false: "resume"}[paused]
	if err := e.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetPaused(program, paused); err != nil {
			return err
		}
		return tx.AddAudit(store.Audit{At: e.now(), Actor: converse.ActorOf(ctx), Action: action, Detail: "program " + program})
	}); err != nil {
		return err
	}
	e.sweepMu.Lock()
	defer e.sweepMu.Unlock()
	return e.install(ctx, e.base)
}

// paused reads admins' pause and resume choices for cfg's programs.
func (e *Engine) paused(cfg *config.Config) (map[string]bool, error) {
	out := map[string]bool{}
	err := e.store.View(func(tx *store.Tx) error {
		for _, p := range cfg.Programs {
			if paused, ok := tx.Paused(p.ID); ok {
				out[p.ID] = paused
			}
		}
		return nil
	})
	return out, err
}

// Identity returns a cached platform identity, e.g. ("slack-user", email).
func (e *Engine) Identity(ns, key string) (string, bool) {
	var v string
	var ok bool
	_ = e.store.View(func(tx *store.Tx) error {
		v, ok = tx.Identity(ns, key)
		return nil
	})
	return v, ok
}

// SetIdentity caches a platform identity durably.
func (e *Engine) SetIdentity(ctx context.Context, ns, key, value string) error {
	return e.store.Write(ctx, func(tx *store.Tx) error { return tx.SetIdentity(ns, key, value) })
}

// SetIdentities caches many platform identities durably, in one commit:
// each entry is {namespace, key, value}.
func (e *Engine) SetIdentities(ctx context.Context, entries [][3]string) error {
	return e.store.Write(ctx, func(tx *store.Tx) error {
		for _, kv := range entries {
			if err := tx.SetIdentity(kv[0], kv[1], kv[2]); err != nil {
				return err
			}
		}
		return nil
	})
}

// RetryFailed puts every failed delivery back in the queue, for an admin
// who has fixed what made it fail (a channel the bot was not in, a scope
// the app lacked). Each keeps its history: its attempts so far and whether
// it may already have been posted (then Slack's history is asked first).
// It returns how many were queued again.
func (e *Engine) RetryFailed(ctx context.Context) (int, error) {
	now := e.now()
	n := 0
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		n = 0
		var failed []*store.Item
		if err := tx.Items(func(it *store.Item) error {
			if it.State == store.Failed {
				failed = append(failed, it)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, cur := range failed {
			it := *cur
			// A new horizon from now: the retry gets the full retry_for.
			it.State, it.NextAttempt, it.FirstAttempt = store.Pending, now, time.Time{}
			it.Reason = "retried by an admin after: " + cur.Reason
			if err := tx.UpdateItem(cur, &it); err != nil {
				return err
			}
		}
		n = len(failed)
		return tx.AddAudit(store.Audit{At: now, Actor: converse.ActorOf(ctx), Action: "retry", Detail: fmt.Sprintf("%d failed deliveries queued again", n)})
	})
	if err != nil {
		return 0, fmt.Errorf("retry failed deliveries: %w", err)
	}
	if n > 0 {
		e.log.Info().Int("items", n).Msg("failed deliveries queued again by an admin")
		e.kick()
	}
	return n, nil
}
