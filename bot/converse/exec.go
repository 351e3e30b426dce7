package converse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
)

// Engine is what running a command asks of the engine; *bot.Engine has it.
type Engine interface {
	Config() *config.Config
	HandleReply(ctx context.Context, r Reply) (Result, error)
	HandleEvent(ctx context.Context, ev LearningEvent) (int, error)
	SendNow(ctx context.Context, managerID string, kind nudges.Kind) ([]string, error)
	SetPaused(ctx context.Context, program string, paused bool) error
	RetryFailed(ctx context.Context) (int, error)
	Overview(managerID string) (nudges.Overview, error)
	Counts() ([]Count, error)
}

// Executor runs parsed commands for one surface.
type Executor struct {
	Engine  Engine
	Surface Surface
	// Reload re-reads the configuration; nil when reloading by command is
	// not enabled.
	Reload func(ctx context.Context) error
	// Find resolves a manager named the platform's way (a Slack mention)
	// to a roster id: "" and no error when it names nobody on the roster.
	// Roster ids and email addresses are resolved without it.
	Find func(ctx context.Context, who string) (string, error)
}

// Request is one command to run for a caller.
type Request struct {
	Caller  Caller
	Command Command
	// Nudge is the nudge the command's Ref names, resolved by the adapter
	// (it numbered the messages); "" answers the caller's latest open one.
	Nudge string
	// Delivery is the platform's id of what carried the command (a
	// trigger id, a line of a shell session): the reply id of an answer
	// with no AnswerID, such as a note (see DeliveryID).
	Delivery string
}

// Answer is what a command produced, in neutral terms; the adapter
// renders it in its platform's way.
type Answer struct {
	Text     string           // for the caller, plain text; "" when there is nothing to say
	Done     bool             // something was stored or queued
	Result   *Result          // the stored reply, when the command was an answer
	Nudge    string           // the nudge answered (to redraw its message), or whose form to open
	Title    string           // that nudge's title, when known
	Act      string           // the act stored (nudges.Act*)
	Form     nudges.Kind      // checkin, pledge: open this kind's form (for Nudge, or a new one)
	Overview *nudges.Overview // status: the caller's week
	Counts   []Count          // outbox
}

// ErrLocal is a command the adapter runs itself (acting as another
// manager, listing the roster, the inbox of numbered messages, quitting).
var ErrLocal = errors.New("command run by the adapter")

// Run authorises the command for its caller (see Authorize), then runs it.
// A reply the engine finds invalid is FieldErrors; ErrUnknownNudge means
// the nudge named is not the caller's (or no longer exists).
func (x *Executor) Run(ctx context.Context, req Request) (Answer, error) {
	c, who := req.Command, req.Caller
	if err := Authorize(c, who); err != nil {
		return Answer{}, err
	}
	ctx = WithActor(ctx, who.Manager)
	e, cfg := x.Engine, x.Engine.Config()
	switch c.Name {
	case CmdHelp:
		return Answer{Text: Help(x.Surface, who.Admin)}, nil
	case CmdStatus:
		o, err := e.Overview(who.Manager)
		if err != nil {
			return Answer{}, fmt.Errorf("status of %s: %w", who.Manager, err)
		}
		return Answer{Overview: &o}, nil
	case CmdOutbox:
		counts, err := e.Counts()
		return Answer{Counts: counts}, err
	case CmdCheckIn, CmdPledge:
		return Answer{Form: nudges.Kind(c.Name), Nudge: req.Nudge}, nil
	case CmdSnooze, CmdSkip, CmdRate:
		return x.act(ctx, req)
	case CmdOutcome:
		r := Reply{Manager: who.Manager, Nudge: req.Nudge, Kind: nudges.KindAssignment, Action: nudges.ActOutcome,
			Fields: map[string]string{nudges.FieldLearner: c.Learner, nudges.FieldOutcome: c.Outcome}}
		r.ID = DeliveryID("command", req.Delivery)
		if mb, value, _, errs := Outcome(cfg, who.Manager, r.Fields); req.Nudge != "" && len(errs) == 0 {
			r.ID = AnswerID(req.Nudge, nudges.ActOutcome, mb.ID+"|"+value)
		}
		return x.reply(ctx, r, "")
	case CmdNote:
		return x.reply(ctx, Reply{ID: DeliveryID("command", req.Delivery), Manager: who.Manager, Action: ActNote,
			Fields: map[string]string{nudges.FieldNote: c.Text}}, "")
	case CmdSend:
		return x.send(ctx, c)
	case CmdEvent:
		n, err := e.HandleEvent(ctx, LearningEvent{Learner: c.Learner, Verb: nudges.EventCompleted, Module: c.Text})
		if err != nil {
			return Answer{}, err
		}
		return Answer{Done: true, Text: fmt.Sprintf("Event recorded: %d %s scheduled.", n, plural(n, "nudge", "nudges"))}, nil
	case CmdPause, CmdResume:
		return x.pause(ctx, c)
	case CmdDigest:
		return x.digest(ctx, who)
	case CmdHold:
		return x.hold(ctx, req)
	case CmdRetry:
		n, err := e.RetryFailed(ctx)
		if err != nil {
			return Answer{}, err
		}
		if n == 0 {
			return Answer{Text: "No nudge has failed: there is nothing to retry."}, nil
		}
		return Answer{Done: true, Text: fmt.Sprintf("Queued %d failed %s again: %s out in a moment, unless the platform says no again.",
			n, plural(n, "nudge", "nudges"), plural(n, "it goes", "they go"))}, nil
	case CmdReload:
		if x.Reload == nil {
			return Answer{Text: "Reloading by command is not enabled for this bot."}, nil
		}
		var restart *RestartNeededError
		if err := x.Reload(ctx); errors.As(err, &restart) {
			return Answer{Done: true, Text: fmt.Sprintf("Configuration reloaded, but %v.", err)}, nil
		} else if err != nil {
			return Answer{Text: fmt.Sprintf("The reload failed and the previous configuration stays in force: %v", err)}, nil
		}
		return Answer{Done: true, Text: "Configuration reloaded."}, nil
	}
	return Answer{}, fmt.Errorf("%s: %w", c.Name, ErrLocal)
}

// act answers a nudge with snooze, skip or a rating: the nudge named, or
// the caller's latest open one.
func (x *Executor) act(ctx context.Context, req Request) (Answer, error) {
	c, nudge, title := req.Command, req.Nudge, ""
	if nudge == "" {
		o, err := x.Engine.Overview(req.Caller.Manager)
		if err != nil {
			return Answer{}, fmt.Errorf("%s for %s: %w", c.Name, req.Caller.Manager, err)
		}
		if len(o.Open) == 0 {
			return Answer{Text: fmt.Sprintf("Nothing is waiting for you, so there is nothing to %s.", c.Name)}, nil
		}
		nudge, title = o.Open[0].Nudge, o.Open[0].Title // newest first
	}
	r := Reply{Manager: req.Caller.Manager, Nudge: nudge, Action: nudges.ActSnooze}
	switch c.Name {
	case CmdSkip:
		r.Action, r.Fields = nudges.ActSkip, map[string]string{nudges.FieldReason: c.Text}
	case CmdRate:
		r.Action = c.Act
	}
	r.ID = AnswerID(nudge, r.Action, "")
	return x.reply(ctx, r, title)
}

func (x *Executor) reply(ctx context.Context, r Reply, title string) (Answer, error) {
	res, err := x.Engine.HandleReply(ctx, r)
	if err != nil {
		return Answer{}, err
	}
	nudge := res.Nudge
	if nudge == "" {
		nudge = r.Nudge
	}
	return Answer{Text: res.Text, Done: !res.Duplicate, Result: &res, Nudge: nudge, Title: title, Act: r.Action}, nil
}

func (x *Executor) send(ctx context.Context, c Command) (Answer, error) {
	cfg := x.Engine.Config()
	if !c.Kind.Valid() {
		return Answer{Text: fmt.Sprintf("I can send %s nudges, not %q.", kindList(), string(c.Kind))}, nil
	}
	target, err := x.find(ctx, cfg, c.Who)
	if err != nil {
		return Answer{}, fmt.Errorf("find %q: %w", c.Who, err)
	}
	if target == "" {
		return Answer{Text: fmt.Sprintf("I can't find %s on the roster.", c.Who)}, nil
	}
	if _, err := x.Engine.SendNow(ctx, target, c.Kind); err != nil {
		return Answer{}, err
	}
	return Answer{Done: true, Text: fmt.Sprintf("Queued %s %s nudge for %s: it goes out in a moment.",
		article(string(c.Kind)), c.Kind, cfg.Manager(target).Name)}, nil
}

// find resolves the manager an admin named: the platform's way (Find),
// a roster id, or an email address (also as a mailto: link).
func (x *Executor) find(ctx context.Context, cfg *config.Config, who string) (string, error) {
	if x.Find != nil {
		if id, err := x.Find(ctx, who); id != "" || err != nil {
			return id, err
		}
	}
	if cfg.Manager(who) != nil {
		return who, nil
	}
	if _, mail, ok := strings.Cut(strings.Trim(who, "<>"), "mailto:"); ok {
		who, _, _ = strings.Cut(mail, "|")
	}
	for _, m := range cfg.Managers {
		if m.Email != "" && strings.EqualFold(m.Email, who) {
			return m.ID, nil
		}
	}
	return "", nil
}

func (x *Executor) pause(ctx context.Context, c Command) (Answer, error) {
	cfg := x.Engine.Config()
	p := cfg.Program(c.Program)
	if p == nil {
		return Answer{Text: fmt.Sprintf("There is no program %q. Programs: %s.", c.Program, programList(cfg))}, nil
	}
	if err := x.Engine.SetPaused(ctx, p.ID, c.Name == CmdPause); err != nil {
		return Answer{}, err
	}
	if c.Name == CmdPause {
		return Answer{Done: true, Text: fmt.Sprintf("Paused %s: no scheduled nudges go out until you resume it.", p.Name)}, nil
	}
	return Answer{Done: true, Text: fmt.Sprintf("Resumed %s: its scheduled nudges go out again.", p.Name)}, nil
}

// article is the indefinite article before word: "an assignment", "a
// checkin".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

func kindList() string {
	s := make([]string, len(nudges.Kinds))
	for i, k := range nudges.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func programList(cfg *config.Config) string {
	var s []string
	for _, p := range cfg.Programs {
		s = append(s, p.ID)
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
