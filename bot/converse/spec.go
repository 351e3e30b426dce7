package converse

import (
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// specs is the grammar, in help's order: a manager's commands, then L&D's.
var specs = []Spec{
	{Name: CmdAs, Args: "<manager>", About: "act as another manager on the roster", Where: Terminal,
		parse: func(c *Command, a []string) bool { c.Who = one(a); return c.Who != "" }},
	{Name: CmdManagers, About: "list the roster's managers", Where: Terminal},
	{Name: CmdInbox, About: "your open nudges", Where: Terminal},
	{Name: CmdStatus, About: "your week at a glance", Where: both},
	{Name: CmdCheckIn, Aliases: []string{"check-in"}, Args: "[#]", About: "log a check-in with someone on your team", Where: both,
		parse: onlyRef},
	{Name: CmdPledge, Args: "[#]", About: "review last week's pledge and make this week's", Where: both,
		parse: onlyRef},
	{Name: CmdOutcome, Args: "[#] <learner> <applied|not-yet|needs-support>", About: "record a micro-assignment outcome", Where: Terminal,
		parse: func(c *Command, a []string) bool {
			a = ref(c, a)
			if len(a) < 2 {
				return false
			}
			c.Learner, c.Outcome = strings.Join(a[:len(a)-1], " "), a[len(a)-1]
			return true
		}},
	{Name: CmdSnooze, Args: "[#]", About: "postpone a nudge (your latest open one unless you name it)", Where: both,
		parse: onlyRef},
	{Name: CmdSkip, Args: "[#] <reason>", About: "skip this week's nudge, saying why", Where: Terminal,
		parse: func(c *Command, a []string) bool {
			c.Text = strings.Join(ref(c, a), " ")
			return c.Text != ""
		}},
	{Name: CmdRate, Args: "[#] useful|not-useful", About: "tell L&D whether a nudge helped", Where: Terminal,
		parse: func(c *Command, a []string) bool {
			switch strings.ToLower(one(ref(c, a))) {
			case "useful":
				c.Act = nudges.ActUseful
			case "not-useful":
				c.Act = nudges.ActNotUseful
			}
			return c.Act != ""
		}},
	{Name: CmdNote, Args: "<text>", About: "a free-text note on your latest open nudge", Where: Terminal,
		parse: func(c *Command, a []string) bool { c.Text = strings.Join(a, " "); return c.Text != "" }},
	{Name: CmdHold, Args: "keep|pause|stop", About: "after ignored nudges: keep them, pause 4 weeks, or stop", Where: both,
		// Any one word parses: the engine names a wrong choice as a
		// field, as it does a form's.
		parse: func(c *Command, a []string) bool { c.Hold = strings.ToLower(one(a)); return c.Hold != "" }},
	{Name: CmdHelp, Aliases: []string{"?"}, About: "this list", Where: both},
	{Name: CmdQuit, Aliases: []string{"exit"}, About: "end the session", Where: Terminal},
	{Name: CmdSend, Args: "<checkin|assignment|pledge|summary> <manager>", About: "send a nudge now", Admin: true, Where: both,
		parse: func(c *Command, a []string) bool {
			if len(a) != 2 {
				return false
			}
			c.Kind, c.Who = nudges.Kind(strings.ToLower(a[0])), a[1]
			return true
		}},
	{Name: CmdEvent, Args: "<learner> completed <module>", About: "a learner finished a module", Admin: true, Where: Terminal,
		parse: func(c *Command, a []string) bool {
			if len(a) < 3 || a[1] != nudges.EventCompleted {
				return false
			}
			c.Learner, c.Text = a[0], strings.Join(a[2:], " ")
			return true
		}},
	{Name: CmdPause, Args: "<program>", About: "stop a program's scheduled nudges", Admin: true, Where: both,
		parse: func(c *Command, a []string) bool { c.Program = one(a); return c.Program != "" }},
	{Name: CmdResume, Args: "<program>", About: "restart a program's scheduled nudges", Admin: true, Where: both,
		parse: func(c *Command, a []string) bool { c.Program = one(a); return c.Program != "" }},
	{Name: CmdRetry, About: "send failed nudges again (once what made them fail is fixed)", Admin: true, Where: both},
	{Name: CmdReload, About: "re-read the configuration", Admin: true, Where: Chatroom},
	{Name: CmdOutbox, About: "outbox counts", Admin: true, Where: both},
	{Name: CmdDigest, About: "L&D's digest of every program, to you now", Admin: true, Where: both},
}

// one is the single argument, or "" when there is not exactly one.
func one(a []string) string {
	if len(a) != 1 {
		return ""
	}
	return a[0]
}

func onlyRef(c *Command, a []string) bool { return len(ref(c, a)) == 0 }

// Help is the list of commands offered on surface on, one a line, usage
// then what it does, as plain text; admin adds L&D's commands.
func Help(on Surface, admin bool) string {
	var b strings.Builder
	if on&Terminal != 0 {
		b.WriteString("Commands (as the manager you act as):\n")
	} else {
		b.WriteString("Commands:\n")
	}
	section := false
	for _, s := range Specs(on, admin) {
		if s.Admin && !section {
			b.WriteString("Admin (L&D):\n")
			section = true
		}
		u := s.Usage(on)
		if len(u) < 30 {
			b.WriteString("  " + u + strings.Repeat(" ", 30-len(u)) + s.About + "\n")
		} else {
			b.WriteString("  " + u + "\n" + strings.Repeat(" ", 32) + s.About + "\n")
		}
	}
	if on&Terminal != 0 {
		b.WriteString("# is optional: without it, your latest open nudge of that kind is used.\n")
	}
	return b.String()
}
