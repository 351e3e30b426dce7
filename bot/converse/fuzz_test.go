package converse_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// FuzzParseCommand feeds the grammar what anyone may type. Parse must
// never panic, must name only commands offered where it was typed, and
// the admin rule must hold whatever the text: no admin command gets past
// Interpret for a caller who is no admin.
func FuzzParseCommand(f *testing.F) {
	for _, tc := range parses {
		f.Add(tc.text, tc.on == converse.Chatroom)
	}
	for _, s := range []string{"", " ", "send", "send checkin", "outcome #0 a b", "rate #-1 useful", "skip #", "pause \x00", "#3", "é", "SEND CHECKIN ann"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, text string, chat bool) {
		on := converse.Terminal
		if chat {
			on = converse.Chatroom
		}
		c, err := converse.Parse(on, text)
		var usage *converse.UsageError
		switch {
		case err == nil:
			if !c.Spec().Offered(on) {
				t.Fatalf("Parse(%q) = %s, not offered there", text, c.Name)
			}
			if c.Ref != "" {
				if n, err := strconv.Atoi(c.Ref); err != nil || n < 1 {
					t.Fatalf("Parse(%q): ref %q is no message number", text, c.Ref)
				}
			}
		case errors.As(err, &usage):
			if !usage.Spec.Offered(on) {
				t.Fatalf("Parse(%q): usage of %s, not offered there", text, usage.Spec.Name)
			}
		}
		got, who, err := converse.Interpret(on, text, "ann", func() bool { return false })
		if err == nil && got.Admin() {
			t.Fatalf("Interpret(%q) let a manager run %s", text, got.Name)
		}
		if who.Admin {
			t.Fatalf("Interpret(%q) made a manager an admin", text)
		}
	})
}
