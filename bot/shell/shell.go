// Package shell is the terminal chat adapter: nudges, summaries and
// shout-outs print as text, and whoever sits at the terminal answers as any
// manager on the roster. It needs no chat workspace, reads piped input as
// well as a keyboard, so a whole session can be scripted.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// Adapter prints messages to out and reads commands from in.
type Adapter struct {
	mu      sync.Mutex
	out     io.Writer
	in      *bufio.Scanner
	lines   chan string   // fed by the reader goroutine; closed at end of input
	started chan struct{} // closed once Run has greeted: deliveries wait for it
	echo    bool
	session string
	line    int
	ctx     context.Context

	refs    []delivered // #1, #2, … in the order messages were shown
	byNudge map[string]int
	as      string
	e       *bot.Engine
}

type delivered struct {
	nudge, manager string
	kind           nudges.Kind
	channel        string
}

var (
	_ bot.Chat       = (*Adapter)(nil)
	_ bot.Sequential = (*Adapter)(nil)
)

// Sequential asks the engine to send one message at a time, in outbox
// order: a terminal shows one after another, and their numbers (#1, #2, …)
// must not depend on which of several parallel sends finished first, or a
// scripted session would answer a different nudge from run to run.
func (a *Adapter) Sequential() bool { return true }

// Options tune the adapter.
type Options struct {
	// Echo repeats each form answer after its prompt, so a transcript of a
	// piped session reads like a conversation. On a terminal the typed
	// answer is already on screen: leave it off.
	Echo bool
}

// New returns an adapter. session distinguishes reply ids of this run from
// those of earlier runs (a start timestamp will do).
func New(in io.Reader, out io.Writer, session string, opt Options) *Adapter {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	return &Adapter{out: out, in: sc, echo: opt.Echo, session: session, byNudge: map[string]int{}, started: make(chan struct{})}
}

// Send prints a message and gives it a short number to answer it by. The
// engine may start delivering before the shell has greeted the user; such
// messages wait, so the greeting comes first and names resolve.
func (a *Adapter) Send(ctx context.Context, to bot.Recipient, m nudges.Message) (string, error) {
	select {
	case <-a.started:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.byNudge[m.Nudge]
	if !ok {
		a.refs = append(a.refs, delivered{nudge: m.Nudge, manager: to.Manager, kind: m.Kind, channel: to.Channel})
		n = len(a.refs)
		a.byNudge[m.Nudge] = n
	}
	var b strings.Builder
	b.WriteString("\n────────────────────────────────────────────────────────\n")
	if to.Channel != "" {
		fmt.Fprintf(&b, "[#%d] posted in %s · %s\n", n, to.Channel, m.Title)
	} else {
		fmt.Fprintf(&b, "[#%d] DM to %s · %s\n", n, a.name(to.Manager), m.Title)
	}
	if m.Context != "" {
		fmt.Fprintf(&b, "    %s\n", m.Context)
	}
	for _, l := range m.Lines {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	for i, q := range m.Questions {
		fmt.Fprintf(&b, "    %d. %s\n", i+1, q)
	}
	if hint := replyHint(n, m); hint != "" && to.Channel == "" {
		fmt.Fprintf(&b, "  → %s\n", hint)
	}
	_, err := io.WriteString(a.out, b.String())
	return fmt.Sprintf("shell-%d", n), err
}

func replyHint(n int, m nudges.Message) string {
	var hints []string
	switch m.Kind {
	case nudges.KindCheckIn:
		hints = append(hints, fmt.Sprintf("checkin %d", n))
	case nudges.KindPledge:
		hints = append(hints, fmt.Sprintf("pledge %d", n))
	case nudges.KindAssignment:
		hints = append(hints, fmt.Sprintf("outcome %d <learner> applied|not-yet|needs-support", n))
	case nudges.KindHold:
		return "hold keep · hold pause · hold stop"
	default:
		return ""
	}
	hints = append(hints, fmt.Sprintf("snooze %d", n), fmt.Sprintf("skip %d <reason>", n), fmt.Sprintf("rate %d useful|not-useful", n))
	return strings.Join(hints, " · ")
}

func (a *Adapter) name(id string) string {
	if a.e != nil {
		if m := a.e.Config().Manager(id); m != nil {
			return fmt.Sprintf("%s (%s)", m.Name, id)
		}
	}
	return id
}

func (a *Adapter) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, format, args...)
}

// Run reads commands until input ends or ctx is cancelled. It delivers
// what is due after each command, so a piped session prints in order.
func (a *Adapter) Run(ctx context.Context, e *bot.Engine) error {
	// The engine may already be delivering (Send reads a.e under mu).
	a.mu.Lock()
	a.e, a.ctx = e, ctx
	a.mu.Unlock()
	// Reading standard input blocks and cannot be cancelled, so it happens
	// on its own goroutine: Ctrl-C (ctx) then stops the shell at once. The
	// goroutine ends with the input, or with the process.
	a.lines = make(chan string)
	go func() {
		defer close(a.lines)
		for a.in.Scan() {
			a.lines <- a.in.Text()
		}
	}()
	if cfg := e.Config(); len(cfg.Managers) > 0 && a.as == "" {
		a.as = cfg.Managers[0].ID
	}
	a.printf("nudgebot shell — acting as %s. Type 'help' for commands.\n", a.name(a.as))
	close(a.started)
	if err := e.Flush(ctx); err != nil {
		return err
	}
	for {
		line, ok := a.read()
		if !ok {
			if ctx.Err() != nil {
				return nil // stopped (Ctrl-C, SIGTERM): the engine drains on its own
			}
			return e.Flush(ctx)
		}
		if err := a.exec(ctx, line); err != nil {
			if errors.Is(err, errQuit) {
				return e.Flush(ctx)
			}
			a.printf("! %v\n", err)
		}
		if err := e.Flush(ctx); err != nil {
			a.printf("! delivery: %v\n", err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

var errQuit = errors.New("quit")

// next returns the next input line; ok is false at end of input or when
// the shell is being stopped.
func (a *Adapter) next() (string, bool) {
	select {
	case l, ok := <-a.lines:
		if ok {
			a.line++
		}
		return l, ok
	case <-a.ctx.Done():
		return "", false
	}
}

func (a *Adapter) read() (string, bool) {
	for {
		l, ok := a.next()
		if !ok {
			return "", false
		}
		if line := strings.TrimSpace(l); line != "" && !strings.HasPrefix(line, "#") {
			return line, true
		}
	}
}

// ask prompts for one field; ok is false when input ended.
func (a *Adapter) ask(prompt string) (string, bool) {
	a.printf("  %s: ", prompt)
	l, ok := a.next()
	if !ok {
		a.printf("\n")
		return "", false
	}
	v := strings.TrimSpace(l)
	if a.echo {
		a.printf("%s\n", v)
	}
	return v, true
}

func (a *Adapter) replyID() string { return fmt.Sprintf("shell:%s:%d", a.session, a.line) }

const help = `Commands (as the manager you act as):
  as <manager>                  act as another manager on the roster
  managers                      list the roster's managers
  inbox                         your open nudges
  checkin [#]                   log a check-in (answers the nudge, or a new one)
  pledge [#]                    review last week's pledge and make this week's
  outcome [#] <learner> <applied|not-yet|needs-support>
                                record a micro-assignment outcome
  snooze [#]                    postpone a nudge
  skip [#] <reason>             skip this week's nudge, saying why
  rate [#] useful|not-useful    tell L&D whether a nudge helped
  note <text>                   a free-text note on your latest open nudge
  hold keep|pause|stop          after ignored nudges: keep them, pause 4 weeks, or stop
Admin (L&D):
  send <kind> <manager>         send a nudge now (checkin, assignment, pledge, summary)
  event <learner> completed <module>
                                a learner finished a module
  status                        outbox counts
  digest                        L&D's digest of every program, to you now
  help, quit
# is optional: without it, your latest open nudge of that kind is used.
`

func (a *Adapter) exec(ctx context.Context, line string) error {
	args := strings.Fields(line)
	cmd, args := strings.ToLower(args[0]), args[1:]
	e := a.e
	switch cmd {
	case "help", "?":
		a.printf("%s", help)
	case "quit", "exit":
		return errQuit
	case "as":
		if len(args) != 1 {
			return errors.New("usage: as <manager>")
		}
		if e.Config().Manager(args[0]) == nil {
			return fmt.Errorf("no manager %q on the roster (try 'managers')", args[0])
		}
		a.as = args[0]
		a.printf("acting as %s\n", a.name(a.as))
	case "managers":
		for _, m := range e.Config().Managers {
			mark := " "
			if m.ID == a.as {
				mark = "*"
			}
			a.printf("%s %-12s %-24s %s\n", mark, m.ID, m.Name, m.Calendar.Location)
		}
	case "inbox":
		return a.inbox()
	case "checkin", "pledge":
		kind := nudges.KindCheckIn
		if cmd == "pledge" {
			kind = nudges.KindPledge
		}
		ref, _, err := a.pick(args, kind)
		if err != nil {
			return err
		}
		return a.form(ctx, kind, ref)
	case "outcome":
		ref, rest, err := a.pick(args, nudges.KindAssignment)
		if err != nil {
			return err
		}
		if len(rest) < 2 {
			return errors.New("usage: outcome [#] <learner> <applied|not-yet|needs-support>")
		}
		return a.reply(ctx, bot.Reply{Nudge: ref, Kind: nudges.KindAssignment, Action: nudges.ActOutcome,
			Fields: map[string]string{nudges.FieldLearner: strings.Join(rest[:len(rest)-1], " "), nudges.FieldOutcome: rest[len(rest)-1]}})
	case "snooze", "skip", "rate":
		ref, rest, err := a.pick(args, "")
		if err != nil {
			return err
		}
		if ref == "" {
			return fmt.Errorf("no open nudge to %s", cmd)
		}
		r := bot.Reply{Nudge: ref, Action: cmd, Fields: map[string]string{}}
		switch cmd {
		case "skip":
			r.Action, r.Fields[nudges.FieldReason] = nudges.ActSkip, strings.Join(rest, " ")
		case "rate":
			if len(rest) != 1 || (rest[0] != "useful" && rest[0] != "not-useful") {
				return errors.New("usage: rate [#] useful|not-useful")
			}
			r.Action = map[string]string{"useful": nudges.ActUseful, "not-useful": nudges.ActNotUseful}[rest[0]]
		}
		return a.reply(ctx, r)
	case "note":
		return a.reply(ctx, bot.Reply{Action: bot.ActNote, Fields: map[string]string{nudges.FieldNote: strings.Join(args, " ")}})
	case "send":
		if len(args) != 2 {
			return errors.New("usage: send <checkin|assignment|pledge|summary> <manager>")
		}
		_, err := e.SendNow(ctx, args[1], nudges.Kind(args[0]))
		return err
	case "digest":
		return a.digest(ctx)
	case "hold":
		return a.hold(ctx, args)
	case "event":
		if len(args) < 3 || args[1] != nudges.EventCompleted {
			return errors.New("usage: event <learner> completed <module>")
		}
		n, err := e.HandleEvent(ctx, bot.LearningEvent{Learner: args[0], Verb: args[1], Module: strings.Join(args[2:], " ")})
		if err != nil {
			return err
		}
		a.printf("event recorded: %d nudge(s) scheduled\n", n)
	case "status":
		counts, err := e.Store().Counts()
		if err != nil {
			return err
		}
		for _, s := range store.States {
			a.printf("%-10s %d\n", s, counts[s])
		}
	default:
		return fmt.Errorf("unknown command %q (type 'help')", cmd)
	}
	return nil
}

// pick reads an optional leading #n from args. Without one it picks the
// acting manager's latest nudge of kind shown in this session (any kind if
// kind is empty). A number shown for another manager is refused: the
// engine would not take the answer, and a form would ask about the wrong
// team.
func (a *Adapter) pick(args []string, kind nudges.Kind) (string, []string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(args) > 0 {
		if n, err := strconv.Atoi(strings.TrimPrefix(args[0], "#")); err == nil && n >= 1 && n <= len(a.refs) {
			if d := a.refs[n-1]; d.manager != a.as {
				return "", nil, fmt.Errorf("#%d is %s's nudge, not yours: 'as %s' to answer it", n, a.name(d.manager), d.manager)
			}
			return a.refs[n-1].nudge, args[1:], nil
		}
	}
	for i := len(a.refs) - 1; i >= 0; i-- {
		d := a.refs[i]
		if d.manager == a.as && d.channel == "" && (kind == "" || d.kind == kind) && d.kind != nudges.KindSummary && d.kind != nudges.KindDigest {
			return d.nudge, args, nil
		}
	}
	return "", args, nil
}

func (a *Adapter) reply(ctx context.Context, r bot.Reply) error {
	r.ID, r.Manager = a.replyID(), a.as
	res, err := a.e.HandleReply(ctx, r)
	var fe bot.FieldErrors
	if errors.As(err, &fe) {
		a.printf("Nothing was saved:\n")
		for _, f := range fe {
			a.printf("  - %s: %s\n", f.Field, f.Msg)
		}
		return nil
	}
	if err != nil {
		return err
	}
	a.printf("✓ %s\n", res.Text)
	return nil
}

func (a *Adapter) inbox() error {
	var open []*store.Item
	err := a.e.Store().View(func(tx *store.Tx) (err error) {
		open, err = tx.OpenItems(a.as)
		return err
	})
	if err != nil {
		return err
	}
	slices.SortFunc(open, func(x, y *store.Item) int { return x.ScheduledAt.Compare(y.ScheduledAt) })
	if len(open) == 0 {
		a.printf("No open nudges for %s.\n", a.name(a.as))
	}
	for _, it := range open {
		a.mu.Lock()
		n := a.byNudge[it.ID]
		a.mu.Unlock()
		ref := "  "
		if n > 0 {
			ref = fmt.Sprintf("#%d", n)
		}
		a.printf("%-4s %-10s %-8s %s\n", ref, it.Kind, it.State, it.ScheduledAt.Local().Format(time.DateTime))
	}
	return nil
}
