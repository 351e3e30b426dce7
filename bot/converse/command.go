package converse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// The command grammar: what a manager or an L&D admin may type, on any
// platform (the shell's prompt, Slack's /nudge, a Teams message). Parse is
// pure: text in, a typed Command or a usage error out. Nothing is looked
// up (the roster, the nudge a number names) until the command runs.

// Name names a command.
type Name string

// The commands.
const (
	CmdHelp     Name = "help"
	CmdCheckIn  Name = "checkin"
	CmdPledge   Name = "pledge"
	CmdOutcome  Name = "outcome"
	CmdSnooze   Name = "snooze"
	CmdSkip     Name = "skip"
	CmdRate     Name = "rate"
	CmdNote     Name = "note"
	CmdStatus   Name = "status"
	CmdInbox    Name = "inbox"
	CmdSend     Name = "send"
	CmdEvent    Name = "event"
	CmdPause    Name = "pause"
	CmdResume   Name = "resume"
	CmdRetry    Name = "retry"
	CmdReload   Name = "reload"
	CmdOutbox   Name = "outbox"
	CmdDigest   Name = "digest"
	CmdHold     Name = "hold"
	CmdAs       Name = "as"
	CmdManagers Name = "managers"
	CmdQuit     Name = "quit"
)

// Surface is where commands are typed. A command is offered where it
// makes sense: acting as another manager only at the terminal, whose user
// owns the data file; a nudge's number only where numbers are shown.
type Surface uint8

const (
	// Terminal is the shell: one trusted user, numbered messages.
	Terminal Surface = 1 << iota
	// Chatroom is a chat platform's command (Slack's /nudge, a Teams message):
	// many users, each known by their platform identity.
	Chatroom
	both = Terminal | Chatroom
)

// Spec describes one command: its usage line and what it does, once, for
// every surface's help and usage errors.
type Spec struct {
	Name    Name
	Aliases []string
	Args    string // after the name, e.g. "[#] <learner> <applied|not-yet|needs-support>"
	About   string
	Admin   bool // changes what others receive: L&D admins only
	Where   Surface
	parse   func(c *Command, args []string) bool // false: wrong usage
}

// Usage is the command as typed, with its arguments. Only the terminal
// numbers its messages, so elsewhere there is no [#] to give.
func (s Spec) Usage(on Surface) string {
	args := s.Args
	if on&Terminal == 0 {
		args = strings.TrimSpace(strings.TrimPrefix(args, "[#]"))
	}
	if args == "" {
		return string(s.Name)
	}
	return string(s.Name) + " " + args
}

// Offered reports whether the command exists on surface s.
func (s Spec) Offered(on Surface) bool { return s.Where&on != 0 }

// Command is a parsed command. Which fields are set depends on Name.
type Command struct {
	Name Name
	// Ref is the nudge a manager named by its number ("3" for #3), where
	// messages are numbered; "" means their latest open nudge of the kind.
	Ref     string
	Kind    nudges.Kind // send
	Who     string      // send, as: a manager as typed (id, email, mention)
	Program string      // pause, resume
	Learner string      // outcome, event
	Outcome string      // outcome: as typed (applied, not-yet, needs-support)
	Act     string      // rate: nudges.ActUseful or nudges.ActNotUseful
	Text    string      // skip: the reason; note: the note; event: the module
	Hold    string      // hold: nudges.HoldKeep, HoldPause or HoldStop
}

// Spec is the command's description.
func (c Command) Spec() Spec {
	s, _ := lookup(string(c.Name))
	return s
}

// Admin reports whether only L&D admins may run the command.
func (c Command) Admin() bool { return c.Spec().Admin }

// UsageError is a known command typed with the wrong arguments on a
// surface.
type UsageError struct {
	Spec Spec
	On   Surface
}

func (e *UsageError) Error() string { return "usage: " + e.Spec.Usage(e.On) }

// UnknownCommandError is a word that names no command on the surface.
type UnknownCommandError struct{ Word string }

func (e *UnknownCommandError) Error() string { return fmt.Sprintf("unknown command %q", e.Word) }

// ErrEmpty is a line with nothing but spaces.
var ErrEmpty = errors.New("empty command")

// Parse reads one command typed on surface on. An empty text is help (a
// bare /nudge); a word that is no command there is *UnknownCommandError, wrong
// arguments *UsageError.
func Parse(on Surface, text string) (Command, error) {
	args := strings.Fields(text)
	if len(args) == 0 {
		if on&Chatroom != 0 {
			return Command{Name: CmdHelp}, nil
		}
		return Command{}, ErrEmpty
	}
	word := strings.ToLower(args[0])
	s, ok := lookup(word)
	if !ok || !s.Offered(on) {
		return Command{}, &UnknownCommandError{Word: args[0]}
	}
	c := Command{Name: s.Name}
	if s.parse == nil {
		if len(args) > 1 && s.Args == "" && s.Name != CmdHelp {
			return Command{}, &UsageError{Spec: s, On: on}
		}
		return c, nil
	}
	if !s.parse(&c, args[1:]) {
		return Command{}, &UsageError{Spec: s, On: on}
	}
	return c, nil
}

// ref takes a leading nudge number (3 or #3) off args.
func ref(c *Command, args []string) []string {
	if len(args) > 0 {
		n := strings.TrimPrefix(args[0], "#")
		if v, err := strconv.Atoi(n); err == nil && v >= 1 && strconv.Itoa(v) == n {
			c.Ref = n
			return args[1:]
		}
	}
	return args
}

func lookup(word string) (Spec, bool) {
	for _, s := range specs {
		if string(s.Name) == word {
			return s, true
		}
		for _, a := range s.Aliases {
			if a == word {
				return s, true
			}
		}
	}
	return Spec{}, false
}

// Specs lists the commands offered on surface on, in help's order;
// admin commands only when admin is set.
func Specs(on Surface, admin bool) []Spec {
	var out []Spec
	for _, s := range specs {
		if s.Offered(on) && (admin || !s.Admin) {
			out = append(out, s)
		}
	}
	return out
}
