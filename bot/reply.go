package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// A reply's types are the conversation layer's (package converse): an
// adapter builds a Reply and reads a Result without importing the engine.
type (
	Reply       = converse.Reply
	Result      = converse.Result
	FieldError  = converse.FieldError
	FieldErrors = converse.FieldErrors
)

// ActNote is a free-text message to the bot (see converse.ActNote).
const ActNote = converse.ActNote

// HandleReply validates a reply, stores it as a coaching log exactly once and
// applies its effects (the nudge closed, a pledge remembered, a first
// application recorded, a shout-out queued) in the same commit. It returns
// once all of that is durable.
func (e *Engine) HandleReply(ctx context.Context, r Reply) (Result, error) {
	cfg := e.Config()
	m := cfg.Manager(r.Manager)
	if m == nil {
		return Result{}, fmt.Errorf("reply %s: %w %q", r.ID, ErrUnknownManager, r.Manager)
	}
	if r.ID == "" {
		return Result{}, fmt.Errorf("reply from %s: %w: no reply id", r.Manager, ErrInvalid)
	}
	if r.At.IsZero() {
		r.At = e.now()
	}
	// The pure checks run before the write: an invalid reply is answered
	// without joining a commit that other replies share. (A pledge whose
	// review becomes due in between is checked again inside the write.)
	awaiting, err := e.awaitingReview(r)
	if err != nil {
		return Result{}, fmt.Errorf("reply %s of %s: %w", r.ID, m.ID, err)
	}
	if errs := converse.Check(cfg, r, nudges.DateOf(r.At.In(m.Calendar.Location)), awaiting); len(errs) > 0 {
		// A reply stored before may fail the checks now only because it
		// was stored (a pledge is then awaiting review): its redelivery
		// is answered as the duplicate it is, not as a mistake.
		if dup, err := e.stored(r.ID); err != nil || !dup {
			return Result{}, errs
		}
		return Result{Duplicate: true, Text: "Already recorded."}, nil
	}
	var res Result
	err = e.store.Write(ctx, func(tx *store.Tx) error {
		res = Result{}
		if tx.HasReply(r.ID) {
			res.Duplicate, res.Text = true, "Already recorded."
			return nil
		}
		return e.applyReply(tx, cfg, m, r, &res)
	})
	if err != nil {
		return Result{}, err
	}
	if res.ShoutOut {
		e.kick()
	}
	return res, nil
}

// stored reports whether a reply with this id is in the store.
func (e *Engine) stored(id string) (dup bool, err error) {
	err = e.store.View(func(tx *store.Tx) error {
		dup = tx.HasReply(id)
		return nil
	})
	return dup, err
}

func (e *Engine) applyReply(tx *store.Tx, cfg *config.Config, m *nudges.Manager, r Reply, res *Result) error {
	var item, root *store.Item
	if r.Nudge != "" {
		var err error
		if item, err = tx.Item(r.Nudge); err != nil {
			return err
		}
		if item == nil || item.Manager != m.ID {
			return fmt.Errorf("reply %s: %w %q", r.ID, ErrUnknownNudge, r.Nudge)
		}
		root = item
		if item.Parent != "" {
			if root, err = tx.Item(item.Parent); err != nil || root == nil {
				root = item
			}
		}
		if r.Kind == "" {
			r.Kind = item.Kind
		}
	}
	if r.Action == ActNote && item == nil {
		open, err := tx.OpenItems(m.ID)
		if err != nil {
			return err
		}
		for _, it := range open {
			if item == nil || it.SentAt.After(item.SentAt) {
				item = it
			}
		}
		if item != nil {
			r.Nudge, root = item.ID, item
		}
	}
	l := &store.Log{ID: r.ID, Manager: m.ID, Nudge: r.Nudge, CreatedAt: r.At, Answers: map[string]string{}}
	if item != nil {
		l.Program = item.Program
	}
	if l.Program == "" && len(m.Programs) > 0 {
		l.Program = m.Programs[0]
	}
	today := nudges.DateOf(r.At.In(m.Calendar.Location))
	answered := ""
	switch r.Action {
	case nudges.ActLog:
		switch r.Kind {
		case nudges.KindCheckIn:
			if err := e.logCheckIn(tx, cfg, m, r, l, today, res); err != nil {
				return err
			}
		case nudges.KindPledge:
			if err := logPledge(tx, m, r, l); err != nil {
				return err
			}
			res.Text = fmt.Sprintf("Pledge recorded: %q. I will ask how it went next week.", l.Answers[nudges.FieldPledge])
		default:
			return converse.Invalid("kind", fmt.Sprintf("nothing to log for a %q nudge", r.Kind))
		}
		answered = store.AnsweredLogged
	case nudges.ActOutcome:
		if err := e.logOutcome(tx, cfg, m, r, l, today, res); err != nil {
			return err
		}
		// The nudge stays open (and its reminders due) while a learner on
		// the team has not been seen applying the program yet.
		if done, err := allApplied(tx, cfg, m, l.Program); err != nil {
			return err
		} else if done {
			answered = store.AnsweredLogged
		}
	case nudges.ActSnooze:
		if root == nil {
			return converse.Invalid("nudge", "name the nudge to snooze")
		}
		if root.Closed() {
			return converse.Invalid("nudge", "already "+root.Answered+"; nothing to snooze")
		}
		if err := e.snooze(tx, cfg, m, root, r.At, l, res); err != nil {
			return err
		}
		answered = store.AnsweredSnoozed
	case nudges.ActSkip:
		reason := strings.TrimSpace(r.Fields[nudges.FieldReason])
		if root == nil {
			return converse.Invalid("nudge", "name the nudge to skip")
		}
		if root.Closed() {
			return converse.Invalid("nudge", "already "+root.Answered+"; nothing to skip")
		}
		if reason == "" {
			return converse.Invalid(nudges.FieldReason, "say why you skip this week (it helps L&D plan)")
		}
		l.Kind, l.Answers[nudges.FieldReason] = "skip", reason
		answered, res.Text = store.AnsweredSkipped, "Skipped for this week. Thanks for saying why."
	case nudges.ActUseful, nudges.ActNotUseful:
		if item == nil {
			return converse.Invalid("nudge", "name the nudge to rate")
		}
		l.Kind, l.Answers["rating"] = "rating", r.Action
		res.Text = "Thanks for the feedback."
	case nudges.ActHold:
		if err := applyHold(tx, m, r, l, res); err != nil {
			return err
		}
		answered = store.AnsweredLogged
	case ActNote:
		text := strings.TrimSpace(r.Fields[nudges.FieldNote])
		if text == "" {
			return converse.Invalid(nudges.FieldNote, "empty note")
		}
		l.Kind, l.Answers[nudges.FieldNote] = "note", text
		res.Text = "Noted."
	default:
		return converse.Invalid("action", fmt.Sprintf("unknown action %q", r.Action))
	}
	if l.Kind == "" {
		l.Kind = string(r.Kind)
	}
	if err := tx.AddLog(l); err != nil {
		return err
	}
	if e.OnLog != nil {
		if err := e.OnLog(tx, cfg, l, item); err != nil {
			return err
		}
	}
	res.Nudge = r.Nudge
	if answered != "" && r.Action != nudges.ActHold {
		if err := resetIgnored(tx, m.ID); err != nil {
			return err
		}
	}
	if answered != "" && root != nil && (root.Answered == "" || root.Answered == store.AnsweredSnoozed || root.Answered == store.AnsweredExpired && answered == store.AnsweredLogged) {
		if err := answer(tx, root, answered); err != nil {
			return err
		}
		if item != root && item.Answered == "" {
			return answer(tx, item, answered)
		}
	}
	return nil
}

// answer records how the manager closed it, read in this transaction; a
// nudge answered before it went out is not sent at all.
func answer(tx *store.Tx, it *store.Item, answered string) error {
	old := *it
	it.Answered = answered
	if it.State == store.Pending {
		it.State, it.Reason = store.Cancelled, "answered before delivery"
	}
	return tx.UpdateItem(&old, it)
}

func (e *Engine) logCheckIn(tx *store.Tx, cfg *config.Config, m *nudges.Manager, r Reply, l *store.Log, today nudges.Date, res *Result) error {
	c, errs := converse.CheckIn(cfg, m.ID, r.Fields, today)
	if len(errs) > 0 {
		return errs
	}
	mb := c.Member
	l.Kind, l.Learner, l.Minutes = string(nudges.KindCheckIn), mb.ID, c.Minutes
	for k, v := range c.Text {
		l.Answers[k] = v
	}
	l.Answers[nudges.FieldMember], l.Answers[nudges.FieldReview] = mb.ID, c.Review.String()
	res.Text = fmt.Sprintf("Check-in with %s logged (%d min). I will remind you to review %q on %s.", mb.Name, c.Minutes, l.Answers[nudges.FieldNext], c.Review)
	if c.Win != "" {
		l.Answers[nudges.FieldWin] = c.Win
		l.Answers[nudges.FieldShare] = map[bool]string{true: "yes", false: "no"}[c.Share]
	}
	st, err := tx.ManagerState(m.ID)
	if err != nil {
		return err
	}
	st.LastCheckIn = &store.CheckInRecall{Member: mb.ID, Action: l.Answers[nudges.FieldNext], Review: c.Review, At: r.At}
	if err := tx.PutManagerState(m.ID, st); err != nil {
		return err
	}
	if err := tx.MarkCoached(l.Program, mondayOf(today).String(), m.ID); err != nil {
		return err
	}
	if c.Share && c.Team.Channel != "" {
		// The manager ticked "share": that is the explicit consent a
		// public shout-out needs. Queue it durably with the log itself.
		it := &store.Item{ID: "shout/" + r.ID, Manager: m.ID, Kind: nudges.KindShoutOut, Program: l.Program,
			Channel: c.Team.Channel, Team: c.Team.ID, Log: r.ID, ScheduledAt: r.At, State: store.Pending, NextAttempt: r.At}
		if err := tx.PutItem(it); err != nil {
			return err
		}
		res.ShoutOut = true
		res.Text += " Your win will be shared with " + c.Team.Name + "."
	}
	return nil
}

func logPledge(tx *store.Tx, m *nudges.Manager, r Reply, l *store.Log) error {
	st, err := tx.ManagerState(m.ID)
	if err != nil {
		return err
	}
	awaiting := st.Pledge != nil && !st.Pledge.Reviewed
	text, kept, errs := converse.Pledge(r.Fields, awaiting)
	if len(errs) > 0 {
		return errs
	}
	if awaiting {
		st.Pledged++
		switch kept {
		case "yes":
			st.Kept++
			st.Streak++
		case "partly":
			st.Partly++
		case "no":
			st.Streak = 0
		}
		l.Answers[nudges.FieldKept] = kept
	}
	st.Pledge = &store.PledgeRecall{Text: text, At: r.At}
	l.Kind = string(nudges.KindPledge)
	l.Answers[nudges.FieldPledge] = text
	return tx.PutManagerState(m.ID, st)
}

func (e *Engine) logOutcome(tx *store.Tx, cfg *config.Config, m *nudges.Manager, r Reply, l *store.Log, today nudges.Date, res *Result) error {
	mb, outcome, label, errs := converse.Outcome(cfg, m.ID, r.Fields)
	if len(errs) > 0 {
		return errs
	}
	l.Kind, l.Learner = string(nudges.KindAssignment), mb.ID
	l.Answers[nudges.FieldLearner], l.Answers[nudges.FieldOutcome] = mb.ID, outcome
	res.Text = fmt.Sprintf("Recorded for %s: %s.", mb.Name, strings.ToLower(label))
	if outcome == nudges.Applied && l.Program != "" {
		prev, err := tx.FirstApplication(l.Program, mb.ID)
		if err != nil {
			return err
		}
		if prev == nil {
			res.Text += " That is their first application — well spotted."
			return tx.SetFirstApplication(l.Program, mb.ID, store.FirstApplication{Date: today, Manager: m.ID, Log: r.ID})
		}
	}
	return nil
}

// allApplied reports whether every learner on the manager's teams has a
// first application in program.
func allApplied(tx *store.Tx, cfg *config.Config, m *nudges.Manager, program string) (bool, error) {
	for _, mb := range membersOf(cfg, m.ID) {
		fa, err := tx.FirstApplication(program, mb.ID)
		if err != nil || fa == nil {
			return false, err
		}
	}
	return true, nil
}

// snooze postpones the nudge to the manager's working time after the
// configured snooze.
func (e *Engine) snooze(tx *store.Tx, cfg *config.Config, m *nudges.Manager, root *store.Item, at time.Time, l *store.Log, res *Result) error {
	when, ok := m.Calendar.NextWorkingInstant(at.Add(cfg.Snooze))
	if !ok {
		return converse.Invalid("snooze", "no working time ahead to snooze to")
	}
	// The id names the instant it comes back: a second snooze before the
	// first has fired gets its own row (numbering by items already sent
	// would reuse the first one's id, and the sweep would drop it), while
	// two snoozes to the same instant come back once.
	id := root.ID + "/s" + when.UTC().Format("20060102T150405")
	if _, err := tx.AddDue(store.Due{At: when, ID: id, Manager: m.ID, Kind: root.Kind, Parent: root.ID}); err != nil {
		return err
	}
	l.Kind = "snooze"
	l.Answers["until"] = when.In(m.Calendar.Location).Format(time.RFC3339)
	res.Text = "Snoozed until " + when.In(m.Calendar.Location).Format("Mon 2 Jan 15:04") + "."
	return nil
}
