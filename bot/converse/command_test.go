package converse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

const (
	term = converse.Terminal
	chat = converse.Chatroom
	both = converse.Terminal | converse.Chatroom
)

// parses has a case for every command, on each surface that offers it.
var parses = []struct {
	name string
	on   converse.Surface
	text string
	want converse.Command
}{
	{"Help", both, "help", converse.Command{Name: converse.CmdHelp}},
	{"HelpAlias", both, "?", converse.Command{Name: converse.CmdHelp}},
	{"BareCommandIsHelp", chat, "", converse.Command{Name: converse.CmdHelp}},
	{"Status", both, "status", converse.Command{Name: converse.CmdStatus}},
	{"CheckIn", both, "checkin", converse.Command{Name: converse.CmdCheckIn}},
	{"CheckInAlias", chat, "Check-In", converse.Command{Name: converse.CmdCheckIn}},
	{"CheckInNumbered", term, "checkin #2", converse.Command{Name: converse.CmdCheckIn, Ref: "2"}},
	{"Pledge", both, "pledge 3", converse.Command{Name: converse.CmdPledge, Ref: "3"}},
	{"Snooze", both, "snooze", converse.Command{Name: converse.CmdSnooze}},
	{"Outcome", term, "outcome 4 Sofia Alvarez not-yet",
		converse.Command{Name: converse.CmdOutcome, Ref: "4", Learner: "Sofia Alvarez", Outcome: "not-yet"}},
	{"OutcomeLatest", term, "outcome sofia applied", converse.Command{Name: converse.CmdOutcome, Learner: "sofia", Outcome: "applied"}},
	{"Skip", term, "skip #1 on leave this week", converse.Command{Name: converse.CmdSkip, Ref: "1", Text: "on leave this week"}},
	{"RateUseful", term, "rate useful", converse.Command{Name: converse.CmdRate, Act: nudges.ActUseful}},
	{"RateNotUseful", term, "rate 2 NOT-USEFUL", converse.Command{Name: converse.CmdRate, Ref: "2", Act: nudges.ActNotUseful}},
	{"Note", term, "note  Marcus   is off sick", converse.Command{Name: converse.CmdNote, Text: "Marcus is off sick"}},
	{"Inbox", term, "inbox", converse.Command{Name: converse.CmdInbox}},
	{"As", term, "as dana", converse.Command{Name: converse.CmdAs, Who: "dana"}},
	{"Managers", term, "managers", converse.Command{Name: converse.CmdManagers}},
	{"Quit", term, "exit", converse.Command{Name: converse.CmdQuit}},
	{"Send", both, "send Summary <@U1|dana>", converse.Command{Name: converse.CmdSend, Kind: nudges.KindSummary, Who: "<@U1|dana>"}},
	{"Event", term, "event sofia completed Module 2", converse.Command{Name: converse.CmdEvent, Learner: "sofia", Text: "Module 2"}},
	{"Pause", both, "pause p1", converse.Command{Name: converse.CmdPause, Program: "p1"}},
	{"Resume", both, "resume p1", converse.Command{Name: converse.CmdResume, Program: "p1"}},
	{"Retry", both, "retry", converse.Command{Name: converse.CmdRetry}},
	{"Reload", chat, "reload", converse.Command{Name: converse.CmdReload}},
	{"Outbox", both, "outbox", converse.Command{Name: converse.CmdOutbox}},
	{"Digest", both, "Digest", converse.Command{Name: converse.CmdDigest}},
	{"Hold", both, "hold PAUSE", converse.Command{Name: converse.CmdHold, Hold: nudges.HoldPause}},
}

func TestParse(t *testing.T) {
	for _, tc := range parses {
		for _, on := range []converse.Surface{term, chat} {
			if tc.on&on == 0 {
				continue
			}
			t.Run(tc.name+surfaceName(on), func(t *testing.T) {
				got, err := converse.Parse(on, tc.text)
				if err != nil {
					t.Fatalf("Parse(%q): %v", tc.text, err)
				}
				if got != tc.want {
					t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
				}
			})
		}
	}
}

func surfaceName(on converse.Surface) string {
	if on == term {
		return "/Terminal"
	}
	return "/Chat"
}

// A command added to the grammar without a case in parses fails here.
func TestParse_EveryCommandCovered(t *testing.T) {
	for _, on := range []converse.Surface{term, chat} {
		for _, s := range converse.Specs(on, true) {
			covered := false
			for _, tc := range parses {
				covered = covered || (tc.on&on != 0 && tc.want.Name == s.Name)
			}
			if !covered {
				t.Errorf("%s on %s has no case in parses", s.Name, surfaceName(on))
			}
		}
	}
}

func TestParse_BadUsage(t *testing.T) {
	for _, tc := range []struct {
		on   converse.Surface
		text string
		want string // the usage shown
	}{
		{both, "send", "send <checkin|assignment|pledge|summary> <manager>"},
		{both, "send checkin", "send <checkin|assignment|pledge|summary> <manager>"},
		{both, "send checkin a b", "send <checkin|assignment|pledge|summary> <manager>"},
		{both, "pause", "pause <program>"},
		{both, "resume a b", "resume <program>"},
		{both, "retry now", "retry"},
		{both, "hold", "hold keep|pause|stop"},
		{both, "hold keep them", "hold keep|pause|stop"},
		{both, "digest now", "digest"},
		{both, "status please", "status"},
		{chat, "snooze later", "snooze"},
		{term, "snooze 2 later", "snooze [#]"},
		{chat, "checkin marcus", "checkin"},
		{term, "outcome sofia", "outcome [#] <learner> <applied|not-yet|needs-support>"},
		{term, "outcome 4", "outcome [#] <learner> <applied|not-yet|needs-support>"},
		{term, "skip", "skip [#] <reason>"},
		{term, "skip 2", "skip [#] <reason>"},
		{term, "rate", "rate [#] useful|not-useful"},
		{term, "rate 2 great", "rate [#] useful|not-useful"},
		{term, "note", "note <text>"},
		{term, "as", "as <manager>"},
		{term, "as a b", "as <manager>"},
		{term, "event sofia finished m1", "event <learner> completed <module>"},
		{term, "event sofia completed", "event <learner> completed <module>"},
	} {
		for _, on := range []converse.Surface{term, chat} {
			if tc.on&on == 0 {
				continue
			}
			t.Run(tc.text+surfaceName(on), func(t *testing.T) {
				_, err := converse.Parse(on, tc.text)
				var usage *converse.UsageError
				if !errors.As(err, &usage) {
					t.Fatalf("Parse(%q) = %v, want a usage error", tc.text, err)
				}
				if got := usage.Spec.Usage(on); got != tc.want {
					t.Errorf("usage %q, want %q", got, tc.want)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q does not show the usage", err)
				}
			})
		}
	}
}

func TestParse_Unknown(t *testing.T) {
	for _, tc := range []struct {
		on   converse.Surface
		text string
	}{
		{both, "dance"},
		{both, "sendcheckin dana"},
		{chat, "as dana"},     // only the terminal acts as someone else
		{chat, "inbox"},       // numbers are the terminal's
		{chat, "quit"},        //
		{chat, "outcome a b"}, // answered with buttons in chat
		{term, "reload"},      // the terminal's user sends SIGHUP
	} {
		for _, on := range []converse.Surface{term, chat} {
			if tc.on&on == 0 {
				continue
			}
			t.Run(tc.text+surfaceName(on), func(t *testing.T) {
				_, err := converse.Parse(on, tc.text)
				var unknown *converse.UnknownCommandError
				if !errors.As(err, &unknown) || unknown.Word != strings.Fields(tc.text)[0] {
					t.Errorf("Parse(%q) = %v, want unknown %q", tc.text, err, strings.Fields(tc.text)[0])
				}
			})
		}
	}
	if _, err := converse.Parse(term, "   "); !errors.Is(err, converse.ErrEmpty) {
		t.Errorf("an empty line at the terminal: %v", err)
	}
}

func TestInterpret_AdminRule(t *testing.T) {
	asked := 0
	admin := func(is bool) func() bool { return func() bool { asked++; return is } }
	for _, tc := range []struct {
		name    string
		text    string
		manager string
		admin   bool
		want    error
	}{
		{"ManagerSends", "send checkin dana", "ann", false, converse.ErrAdminOnly},
		{"ManagerMistypesSend", "send", "ann", false, converse.ErrAdminOnly},
		{"ManagerPauses", "pause p", "ann", false, converse.ErrAdminOnly},
		{"ManagerResumes", "resume p", "ann", false, converse.ErrAdminOnly},
		{"ManagerRetries", "retry", "ann", false, converse.ErrAdminOnly},
		{"ManagerReloads", "reload", "ann", false, converse.ErrAdminOnly},
		{"ManagerOutbox", "outbox", "ann", false, converse.ErrAdminOnly},
		{"StrangerSends", "send checkin ann", "", false, converse.ErrAdminOnly},
		{"StrangerAsksStatus", "status", "", true, converse.ErrNotOnRoster},
		{"StrangerAsksHelp", "help", "", false, converse.ErrNotOnRoster},
		{"StrangerTypesNonsense", "dance", "", false, converse.ErrNotOnRoster},
		{"AdminOffRosterSends", "send checkin ann", "", true, nil},
		{"AdminSends", "send checkin ann", "lee", true, nil},
		{"ManagerStatus", "status", "ann", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, who, err := converse.Interpret(chat, tc.text, tc.manager, admin(tc.admin))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Interpret(%q) = %v, want %v", tc.text, err, tc.want)
			}
			if err == nil && c.Admin() && !who.Admin {
				t.Errorf("%q runs for a caller who is no admin", tc.text)
			}
		})
	}
	asked = 0
	if _, _, err := converse.Interpret(chat, "snooze", "ann", admin(true)); err != nil || asked != 0 {
		t.Errorf("snooze: err %v, admin rights looked up %d times, want none", err, asked)
	}
}

func TestHelp(t *testing.T) {
	manager, admin := converse.Help(chat, false), converse.Help(chat, true)
	if strings.Contains(manager, "send") || strings.Contains(manager, "Admin") {
		t.Errorf("a manager's help lists admin commands:\n%s", manager)
	}
	for _, want := range []string{"send <checkin|assignment|pledge|summary> <manager>", "pause <program>", "reload"} {
		if !strings.Contains(admin, want) {
			t.Errorf("an admin's help lacks %q:\n%s", want, admin)
		}
	}
	if strings.Contains(admin, "[#]") || strings.Contains(admin, "inbox") {
		t.Errorf("chat help shows the terminal's numbers:\n%s", admin)
	}
	if term := converse.Help(term, true); !strings.Contains(term, "outcome [#] <learner>") || strings.Contains(term, "reload") {
		t.Errorf("terminal help:\n%s", term)
	}
}
