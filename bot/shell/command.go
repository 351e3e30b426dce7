package shell

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Commands are the conversation layer's (converse.Parse, Executor.Run);
// the shell adds only what belongs to a terminal session: whom it acts as,
// the numbers it gave messages, and asking a form field by field.

// exec runs one typed line. Whoever sits at the terminal owns the data
// file and may act as any manager, so they count as an L&D admin.
func (a *Adapter) exec(ctx context.Context, line string) error {
	c, err := converse.Parse(converse.Terminal, line)
	var unknown *converse.UnknownCommandError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("unknown command %q (type 'help')", unknown.Word)
	case err != nil:
		return err
	}
	switch c.Name {
	case converse.CmdQuit:
		return errQuit
	case converse.CmdAs:
		if a.e.Config().Manager(c.Who) == nil {
			return fmt.Errorf("no manager %q on the roster (try 'managers')", c.Who)
		}
		a.mu.Lock()
		a.as = c.Who
		a.mu.Unlock()
		a.printf("acting as %s\n", a.name(c.Who))
		return nil
	case converse.CmdManagers:
		for _, m := range a.e.Config().Managers {
			mark := " "
			if m.ID == a.as {
				mark = "*"
			}
			a.printf("%s %-12s %-24s %s\n", mark, m.ID, m.Name, m.Calendar.Location)
		}
		return nil
	case converse.CmdInbox:
		return a.inbox()
	}
	nudge, err := a.pick(c)
	if err != nil {
		return err
	}
	ans, err := a.x.Run(ctx, converse.Request{
		Caller:   converse.Caller{Manager: a.as, Admin: true},
		Command:  c,
		Nudge:    nudge,
		Delivery: a.delivery(),
	})
	if err != nil {
		return a.failed(err)
	}
	return a.render(ctx, ans)
}

// render prints an answer.
func (a *Adapter) render(ctx context.Context, ans converse.Answer) error {
	switch {
	case ans.Form != "":
		return a.form(ctx, ans.Form, ans.Nudge)
	case ans.Overview != nil:
		a.printf("%s", week(*ans.Overview))
	case ans.Counts != nil:
		for _, c := range ans.Counts {
			a.printf("%-10s %d\n", c.State, c.N)
		}
	case ans.Done:
		a.printf("✓ %s\n", ans.Text)
	case ans.Text != "":
		a.printf("%s", ans.Text)
		if !strings.HasSuffix(ans.Text, "\n") {
			a.printf("\n")
		}
	}
	return nil
}

// failed prints what the engine found wrong with an answer, or returns
// any other error for the prompt to show.
func (a *Adapter) failed(err error) error {
	var fe converse.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	a.printf("Nothing was saved:\n")
	for _, f := range fe {
		a.printf("  - %s: %s\n", f.Field, f.Msg)
	}
	return nil
}

// delivery names the line being read, for the reply ids of answers that
// have no key of their own (a form, a note): a new line is a new answer.
func (a *Adapter) delivery() string { return fmt.Sprintf("%s:%d", a.session, a.line) }

// replyID is the reply id of a form answered on the line being read.
func (a *Adapter) replyID() string { return converse.DeliveryID("shell", a.delivery()) }

// pick finds the nudge a command answers. A number (#3) is the message
// shown as [#3], refused when it is another manager's: the engine would
// not take the answer, and a form would ask about the wrong team.
// Without one it is the acting manager's latest open nudge of the
// command's kind shown in this session (any kind for snooze, skip and
// rate), or ""
// (a new check-in or pledge; for the rest, the latest open one).
func (a *Adapter) pick(c converse.Command) (string, error) {
	ref, mine, err := a.shown(c)
	if ref != "" || err != nil {
		return ref, err
	}
	// The latest open one: a nudge answered already (here or elsewhere)
	// has nothing left to fill in, so a second check-in is a new one.
	for _, id := range mine {
		if n, err := a.e.Show(a.as, id); err == nil && !n.Closed {
			return id, nil
		}
	}
	return "", nil
}

// shown reads the session's numbered messages for pick: the nudge a
// number names, or the acting manager's nudges of the command's kind,
// newest first.
func (a *Adapter) shown(c converse.Command) (string, []string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c.Ref != "" {
		n, _ := strconv.Atoi(c.Ref)
		if n < 1 || n > len(a.refs) {
			return "", nil, fmt.Errorf("there is no #%s (type 'inbox')", c.Ref)
		}
		if d := a.refs[n-1]; d.manager != a.as {
			return "", nil, fmt.Errorf("#%d is %s's nudge, not yours: 'as %s' to answer it", n, a.name(d.manager), d.manager)
		}
		return a.refs[n-1].nudge, nil, nil
	}
	var kind nudges.Kind
	switch c.Name {
	case converse.CmdCheckIn:
		kind = nudges.KindCheckIn
	case converse.CmdPledge:
		kind = nudges.KindPledge
	case converse.CmdOutcome:
		kind = nudges.KindAssignment
	case converse.CmdHold:
		kind = nudges.KindHold
	case converse.CmdSnooze, converse.CmdSkip, converse.CmdRate:
	default:
		return "", nil, nil
	}
	var mine []string
	for i := len(a.refs) - 1; i >= 0; i-- {
		d := a.refs[i]
		if d.manager == a.as && d.channel == "" && (kind == "" || d.kind == kind) && d.kind != nudges.KindSummary && d.kind != nudges.KindDigest {
			mine = append(mine, d.nudge)
		}
	}
	return "", mine, nil
}

func (a *Adapter) inbox() error {
	open, err := a.e.Inbox(a.as)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		a.printf("No open nudges for %s.\n", a.name(a.as))
	}
	for _, it := range open {
		a.mu.Lock()
		n := a.byNudge[it.Nudge]
		a.mu.Unlock()
		ref := "  "
		if n > 0 {
			ref = fmt.Sprintf("#%d", n)
		}
		a.printf("%-4s %-10s %-8s %s\n", ref, it.Kind, it.State, it.Scheduled.Local().Format(time.DateTime))
	}
	return nil
}

// week is a manager's week (the status command) as plain text.
func week(o nudges.Overview) string {
	var b strings.Builder
	b.WriteString("Your coaching week")
	if o.Context != "" {
		b.WriteString(" — " + o.Context)
	}
	b.WriteString("\n")
	switch len(o.Open) {
	case 0:
		b.WriteString("  Nothing is waiting for you.\n")
	default:
		fmt.Fprintf(&b, "  %d open, the latest: %s\n", len(o.Open), o.Open[0].Title)
	}
	if o.Pledge == "" {
		b.WriteString("  No pledge yet: 'pledge' makes one.\n")
	} else {
		fmt.Fprintf(&b, "  Your pledge: %q (%d kept in a row)\n", o.Pledge, o.Streak)
	}
	for _, p := range o.Teams {
		name := "Your team"
		if p.Team != nil && p.Team.Name != "" {
			name = p.Team.Name
		}
		fmt.Fprintf(&b, "  %s: first application %d of %d, coaching %d min this week\n", name, p.Applied, p.Learners, p.Minutes)
	}
	return b.String()
}
