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
	"strings"
	"sync"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
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
	e       Engine
	x       *converse.Executor
}

// Engine is what the shell asks of the engine (*bot.Engine has it): run
// commands, show a nudge's form or a new one and check its answers one at
// a time, list a manager's open nudges, and deliver what is due after
// each command.
type Engine interface {
	converse.Engine
	NewForm(managerID string, kind nudges.Kind) (*nudges.Form, error)
	Show(managerID, nudgeID string) (converse.Nudge, error)
	CheckForm(managerID string, kind nudges.Kind, fields map[string]string) (converse.FieldErrors, error)
	Inbox(managerID string) ([]converse.Open, error)
	Flush(ctx context.Context) error
}

type delivered struct {
	nudge, manager string
	kind           nudges.Kind
	channel        string
}

var (
	_ converse.Chat       = (*Adapter)(nil)
	_ converse.Sequential = (*Adapter)(nil)
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
func (a *Adapter) Send(ctx context.Context, to converse.Recipient, m nudges.Message) (string, error) {
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
func (a *Adapter) Run(ctx context.Context, e Engine) error {
	// The engine may already be delivering (Send reads a.e under mu).
	a.mu.Lock()
	a.e, a.ctx = e, ctx
	a.x = &converse.Executor{Engine: e, Surface: converse.Terminal}
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
