package lms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
)

const followUpCadence = `
[[cadences]]
id = "thirty-day"
kind = "checkin"
program = "p"
script = "s5"
event = "completed"
delay = "720h"
`

func TestFollowUpRecallsTheDebrief(t *testing.T) {
	v := newEnv(t, baseConfig+followUpCadence, now)
	v.do(t, "POST", "/xapi/statements", stmt("", now))
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	sent := v.chat.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d, want the debrief", len(sent))
	}
	if _, err := v.engine.HandleReply(context.Background(), bot.Reply{ID: "r1", Manager: "ann", Nudge: sent[0].Nudge,
		Kind: nudges.KindCheckIn, Action: nudges.ActLog, Fields: map[string]string{nudges.FieldMember: "priya",
			nudges.FieldTried: "asking before advising", nudges.FieldChanged: "shorter 1:1s", nudges.FieldMinutes: "5",
			nudges.FieldNext: "Use it with a customer", nudges.FieldReview: "2026-06-11"}}); err != nil {
		t.Fatal(err)
	}
	v.clock.Set("2026-07-02T10:00:00Z") // 30 days on, a Thursday
	v.flush(t)
	sent = v.chat.Sent()
	if len(sent) != 2 {
		t.Fatalf("sent %d, want the follow-up too", len(sent))
	}
	f := sent[1]
	text := strings.Join(f.Lines, "\n")
	for _, want := range []string{`30 days ago Priya Shah finished "Giving feedback".`,
		`you noted they tried "asking before advising", and that "shorter 1:1s" changed`,
		"No on-the-job application is logged yet"} {
		if !strings.Contains(text, want) {
			t.Errorf("follow-up lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(f.Title, "30-day follow-up with Priya Shah") {
		t.Errorf("title %q", f.Title)
	}
}
