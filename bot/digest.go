package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/store"
)

// ErrNotAdmin refuses an admin command to someone who is not an L&D admin.
var ErrNotAdmin = errors.New("only L&D admins may do that")

// digestHour is when, in the bot's time zone, the weekly digest is due on
// Mondays: after the weekend, before the week's first meetings.
const digestHour = 8

// SendDigest queues L&D's digest of every program for adminID's DM now:
// the digest on demand. Only admins may ask for it: it names managers and
// carries red flags.
func (e *Engine) SendDigest(ctx context.Context, adminID string) ([]string, error) {
	if !e.IsAdmin(adminID) {
		return nil, fmt.Errorf("digest for %s: %w", adminID, ErrNotAdmin)
	}
	now := e.now()
	ids, err := e.queueDigests(ctx, []string{adminID}, "", now.Format(time.RFC3339Nano), now)
	if err == nil {
		err = e.store.Write(ctx, func(tx *store.Tx) error {
			return tx.AddAudit(store.Audit{At: now, Actor: adminID, Action: "digest", Detail: fmt.Sprintf("%d programs", len(ids))})
		})
	}
	return ids, err
}

// WeeklyDigest queues this week's digest for every admin, once: from
// Monday digestHour in the bot's zone, a digest per admin and program whose
// id names the week, so running it again (every few minutes, after a
// restart) adds nothing. It returns how many it queued.
func (e *Engine) WeeklyDigest(ctx context.Context) (int, error) {
	cfg := e.Config()
	now := e.now().In(cfg.Location)
	today := nudges.DateOf(now)
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	if today == monday && now.Hour() < digestHour {
		return 0, nil // this week's is not due yet; last week's went out
	}
	ids, err := e.queueDigests(ctx, e.admins(cfg), "", "week:"+monday.String(), e.now())
	return len(ids), err
}

// SendProgramDigest queues one program's digest now for every L&D admin on
// the roster, as direct messages: the dashboard's "send the digest". The
// caller audits who asked.
func (e *Engine) SendProgramDigest(ctx context.Context, program string) ([]string, error) {
	cfg := e.Config()
	if cfg.Program(program) == nil {
		return nil, fmt.Errorf("digest of %q: no such program", program)
	}
	now := e.now()
	return e.queueDigests(ctx, e.admins(cfg), program, now.Format(time.RFC3339Nano), now)
}

// admins are the roster's L&D admins, the digest's only readers.
func (e *Engine) admins(cfg *config.Config) []string {
	var admins []string
	for _, m := range cfg.Managers {
		if m.Admin {
			admins = append(admins, m.ID)
		}
	}
	return admins
}

// queueDigests queues the digest of program ("" for every program) for
// each admin, once per occasion.
func (e *Engine) queueDigests(ctx context.Context, admins []string, program, occasion string, now time.Time) ([]string, error) {
	cfg := e.Config()
	var ids []string
	err := e.store.Write(ctx, func(tx *store.Tx) error {
		ids = ids[:0]
		for _, a := range admins {
			for _, p := range cfg.Programs {
				if program != "" && p.ID != program {
					continue
				}
				it := &store.Item{ID: nudges.NudgeID(a, "digest:"+p.ID, occasion), Manager: a, Kind: nudges.KindDigest,
					Program: p.ID, ScheduledAt: now, State: store.Pending, NextAttempt: now}
				if tx.HasItem(it.ID) {
					continue
				}
				if err := tx.PutItem(it); err != nil {
					return err
				}
				ids = append(ids, it.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue digests: %w", err)
	}
	if len(ids) > 0 {
		e.log.Info().Int("digests", len(ids)).Msg("L&D digests queued")
		e.kick()
	}
	return ids, nil
}

// composeDigest writes the digest at send time, from the program's launch
// to today in the bot's zone, and compares it with the same a week earlier.
// Its recipient must still be an admin: a digest queued before a reload
// took the role away is not sent.
func (e *Engine) composeDigest(tx *store.Tx, cfg *config.Config, m *nudges.Manager, prog *nudges.Program, it *store.Item, now time.Time) (nudges.Message, string, error) {
	if !m.Admin {
		return nudges.Message{}, "the recipient is no longer an L&D admin", nil
	}
	today := nudges.DateOf(now.In(cfg.Location))
	from := prog.Launch
	tos := []nudges.Date{today}
	if lastDay := today.AddDays(-7); !lastDay.Before(from) {
		tos = append(tos, lastDay)
	}
	rs, err := insightReports(tx, cfg, prog.ID, from, tos)
	if err != nil {
		return nudges.Message{}, "", err
	}
	cur := rs[0]
	var last *insight.View
	if len(rs) > 1 {
		v := rs[1].For(insight.LnD())
		last = &v
	}
	msg, err := insight.Digest(prog, today, cur.For(insight.LnD()), last, func(id string) string {
		if mm := cfg.Manager(id); mm != nil {
			return mm.Name
		}
		return id
	})
	msg.Nudge = it.ID
	return msg, "", err
}
