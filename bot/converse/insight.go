package converse

import (
	"context"
	"fmt"

	"github.com/nudgebot/nudgebot/nudges"
)

// Digester is an engine that sends L&D's digest on demand; *bot.Engine is
// one. It is apart from Engine so that an engine without digests (a test
// double, an older bridge) still runs every other command.
type Digester interface {
	// SendDigest queues the digest of every program as a direct message
	// to the admin, returning the ids queued (one per program).
	SendDigest(ctx context.Context, adminID string) ([]string, error)
}

// digest queues L&D's digest for the caller. It goes only to an admin on
// the roster, as a direct message: it names managers and carries red
// flags, so it is never shown where the command was typed.
func (x *Executor) digest(ctx context.Context, who Caller) (Answer, error) {
	d, ok := x.Engine.(Digester)
	if !ok {
		return Answer{Text: "This bot does not send digests."}, nil
	}
	if !Admin(x.Engine.Config(), who.Manager) {
		return Answer{Text: "The digest goes to L&D admins on the roster (a manager entry with admin = true), as a direct message. Ask whoever keeps the configuration to add you."}, nil
	}
	ids, err := d.SendDigest(ctx, who.Manager)
	if err != nil {
		return Answer{}, fmt.Errorf("digest for %s: %w", who.Manager, err)
	}
	return Answer{Done: true, Text: fmt.Sprintf("Your digest of %d %s is on its way as a direct message.",
		len(ids), plural(len(ids), "program", "programs"))}, nil
}

// hold answers the question asked after several nudges went unanswered
// (keep, pause or stop): the question named, else the caller's latest
// open one. A manager may also change their answer later with no
// question open.
func (x *Executor) hold(ctx context.Context, req Request) (Answer, error) {
	c, nudge, title := req.Command, req.Nudge, ""
	if nudge == "" {
		o, err := x.Engine.Overview(req.Caller.Manager)
		if err != nil {
			return Answer{}, fmt.Errorf("hold for %s: %w", req.Caller.Manager, err)
		}
		for _, n := range o.Open { // newest first
			if n.Kind == nudges.KindHold {
				nudge, title = n.Nudge, n.Title
				break
			}
		}
	}
	r := Reply{Manager: req.Caller.Manager, Nudge: nudge, Action: nudges.ActHold,
		Fields: map[string]string{nudges.FieldHold: c.Hold}}
	// The same choice on the same question is one answer, typed or
	// clicked; with no question, the delivery is all that names it.
	if nudge != "" {
		r.ID = AnswerID(nudge, nudges.ActHold, c.Hold)
	} else {
		r.ID = DeliveryID("command", req.Delivery)
	}
	return x.reply(ctx, r, title)
}
