package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
)

// digestConfig adds Lin, an L&D admin, to the base roster.
const digestConfig = baseConfig + `
[[managers]]
id = "lin"
name = "Lin Ho"
admin = true
programs = ["p"]
`

func digests(v *env) []sent {
	var out []sent
	for _, s := range v.chat.Sent() {
		if s.msg.Kind == nudges.KindDigest {
			out = append(out, s)
		}
	}
	return out
}

func TestDigest_OnDemandToAdminsOnly(t *testing.T) {
	v := newEnv(t, digestConfig, "2026-06-17T10:00:00Z") // Wednesday of week 3
	ctx := context.Background()
	// Ann cannot be reached: every DM to her is refused for good, twice.
	v.chat.SendFunc = func(to bot.Recipient, m nudges.Message) (string, error) {
		if to.Manager == "ann" && to.Channel == "" {
			return "", bot.Permanent("user_not_found", errors.New("refused"))
		}
		return "", nil
	}
	sendNow(t, v, nudges.KindCheckIn)
	sendNow(t, v, nudges.KindPledge)
	sendNow(t, v, nudges.KindSummary)

	if _, err := v.e.SendDigest(ctx, "ann"); !errors.Is(err, bot.ErrNotAdmin) {
		t.Errorf("digest for a manager who is not an admin: %v", err)
	}
	if _, err := v.e.SendDigest(ctx, "nobody"); !errors.Is(err, bot.ErrNotAdmin) {
		t.Errorf("digest for someone off the roster: %v", err)
	}
	ids, err := v.e.SendDigest(ctx, "lin")
	if err != nil || len(ids) != 1 {
		t.Fatalf("SendDigest(lin) = %v, %v", ids, err)
	}
	v.flush(t)
	ds := digests(v)
	if len(ds) != 1 || ds[0].to.Manager != "lin" || ds[0].to.Channel != "" {
		t.Fatalf("digests sent: %+v, want one DM to lin", ds)
	}
	text := textOf(ds[0].msg)
	for _, want := range []string{"Weekly digest: Feedback", "Reach: 0 of 1 managers nudged", "Red flags (1):\n• Ann Lee cannot be reached: 2 deliveries in a row failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	// Nothing of the digest, and no red flag, reached a channel.
	for _, s := range v.chat.Sent() {
		if s.to.Channel != "" && (s.msg.Kind == nudges.KindDigest || strings.Contains(textOf(s.msg), "cannot be reached")) {
			t.Errorf("posted in %s: %s", s.to.Channel, textOf(s.msg))
		}
	}
	// The digest is not a nudge Lin has to answer.
	o, err := v.e.Overview("lin")
	if err != nil || len(o.Open) != 0 {
		t.Errorf("lin's open nudges after a digest: %+v, %v", o.Open, err)
	}
}

func TestDigest_Weekly(t *testing.T) {
	v := newEnv(t, digestConfig, "2026-06-15T06:59:00Z") // Monday 07:59 in London
	ctx := context.Background()
	queued := func(want int) {
		t.Helper()
		n, err := v.e.WeeklyDigest(ctx)
		if err != nil || n != want {
			t.Fatalf("WeeklyDigest at %s = %d, %v; want %d", v.clock.Now().UTC().Format("Mon 15:04"), n, err, want)
		}
	}
	queued(0) // not due before 08:00
	v.clock.Set("2026-06-15T07:00:00Z")
	queued(1) // Lin, the one admin, one program
	queued(0) // once a week
	v.restart(t)
	v.clock.Set("2026-06-19T16:00:00Z")
	queued(0) // nor again after a restart, later that week
	v.clock.Set("2026-06-22T07:30:00Z")
	queued(1) // next Monday
	v.flush(t)
	if ds := digests(v); len(ds) != 2 || ds[0].to.Manager != "lin" || ds[1].to.Manager != "lin" {
		t.Errorf("digests sent: %+v, want two, to lin", ds)
	}
}
