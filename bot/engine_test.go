package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/internal/testroster"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// 2026-06-01 is a Monday, launch day. London is on BST (UTC+1): the weekly
// check-in at 09:30 local is 08:30Z.

func TestSchedule_DeliversOnceAcrossRestarts(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-01T07:00:00Z")
	if got := dueAt(v.due(t)); len(got) != 1 || got[0] != "checkin@2026-06-01T08:30:00Z" {
		t.Fatalf("due table after start: %v", got)
	}
	v.flush(t)
	if n := len(v.chat.Sent()); n != 0 {
		t.Fatalf("%d messages before the nudge is due", n)
	}
	v.clock.Set("2026-06-01T08:30:01Z")
	v.flush(t)
	msgs := v.chat.Sent()
	if len(msgs) != 1 || msgs[0].to.Manager != "ann" || msgs[0].msg.Kind != nudges.KindCheckIn {
		t.Fatalf("want one check-in to ann, got %+v", msgs)
	}
	if ctx := msgs[0].msg.Context; ctx != "Feedback · week 1 · activation" {
		t.Errorf("context line %q", ctx)
	}
	for range 2 {
		v.restart(t)
		v.flush(t)
	}
	if n := len(v.chat.Sent()); n != 1 {
		t.Fatalf("restarts sent the nudge again: %d messages", n)
	}
	got := dueAt(v.due(t))
	want := []string{"child-of-" + msgs[0].msg.Nudge[:4] + "@2026-06-02T08:30:01Z", "checkin@2026-06-08T08:30:00Z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("due table: got %v, want %v (reminder, next week)", got, want)
	}
	if c, _ := v.st.Counts(); c[store.Sent] != 1 || c[store.Pending] != 0 {
		t.Fatalf("counts %v", c)
	}
}

const twoManagers = baseConfig + `
[[managers]]
id = "bob"
name = "Bob Ray"
`

func TestSweep_AtomicWhenTransactionFails(t *testing.T) {
	v := newEnv(t, twoManagers, "2026-06-01T07:00:00Z")
	before := dueAt(v.due(t))
	if len(before) != 2 {
		t.Fatalf("want two due rows, got %v", before)
	}
	v.clock.Set("2026-06-01T08:31:00Z")
	crash := errors.New("power cut")
	bot.SetSweepFault(func(d store.Due) error {
		if d.Manager == "bob" {
			return crash
		}
		return nil
	})
	t.Cleanup(func() { bot.SetSweepFault(nil) })
	if _, err := v.e.Sweep(context.Background()); !errors.Is(err, crash) {
		t.Fatalf("sweep error %v, want the injected fault", err)
	}
	// Reopen the file as a restart would, before anything else runs.
	v.st.Close()
	st, err := store.Open(v.st.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v.st = st
	// Rows processed before the fault (ann's) must not have moved either.
	if after := dueAt(v.due(t)); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Fatalf("a failed sweep changed the due table: %v → %v", before, after)
	}
	if n := len(v.items(t)); n != 0 {
		t.Fatalf("a failed sweep left %d outbox items", n)
	}
	bot.SetSweepFault(nil)
	v.restart(t) // Start sweeps: both rows move now
	if n := len(v.items(t)); n != 2 {
		t.Fatalf("%d items after the recovered sweep, want 2", n)
	}
	v.restart(t)
	if n, err := v.e.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("second sweep after reopen moved %d (%v), want 0", n, err)
	}
	if got := dueAt(v.due(t)); len(got) != 2 || !strings.HasSuffix(got[0], "2026-06-08T08:30:00Z") {
		t.Fatalf("successors: %v", got)
	}
	if n := len(v.items(t)); n != 2 {
		t.Fatalf("%d items, want 2", n)
	}
}

func TestSweep_CatchUp(t *testing.T) {
	for _, tc := range []struct {
		name, at  string
		sent      int
		skipped   int
		nextCheck string
	}{
		{"WithinWindowSentOnce", "2026-06-01T11:59:00Z", 1, 0, "checkin@2026-06-08T08:30:00Z"},
		{"BeyondWindowSkipped", "2026-06-01T12:31:00Z", 0, 1, "checkin@2026-06-08T08:30:00Z"},
		{"LongOutageSkipsOnceThenResumes", "2026-06-24T10:00:00Z", 0, 1, "checkin@2026-06-29T08:30:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, baseConfig, "2026-06-01T07:00:00Z")
			v.st.Close()
			v.clock.Set(tc.at) // the bot was down until now
			v.open(t)
			v.flush(t)
			v.flush(t)
			if n := len(v.chat.Sent()); n != tc.sent {
				t.Fatalf("sent %d, want %d", n, tc.sent)
			}
			c, _ := v.st.Counts()
			if int(c[store.Skipped]) != tc.skipped {
				t.Fatalf("skipped %d, want %d", c[store.Skipped], tc.skipped)
			}
			for _, it := range v.items(t) {
				if it.State == store.Skipped && !strings.Contains(it.Reason, "catch-up") {
					t.Errorf("skip reason %q", it.Reason)
				}
			}
			found := false
			for _, d := range dueAt(v.due(t)) {
				found = found || d == tc.nextCheck
			}
			if !found {
				t.Fatalf("next occurrence %s not in %v", tc.nextCheck, dueAt(v.due(t)))
			}
		})
	}
}

func sendNow(t *testing.T, v *env, kind nudges.Kind) string {
	t.Helper()
	ids, err := v.e.SendNow(context.Background(), "ann", kind)
	if err != nil {
		t.Fatal(err)
	}
	v.flush(t)
	return ids[0]
}

func TestReply_Idempotent(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	id := sendNow(t, v, nudges.KindCheckIn)
	r := bot.Reply{ID: "evt-1", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "", "")}
	var wg sync.WaitGroup
	var mu sync.Mutex
	dups := 0
	for range 16 { // a redelivered event and double clicks, all at once
		wg.Go(func() {
			res, err := v.reply(t, r)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			if res.Duplicate {
				dups++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	v.restart(t)
	if res, err := v.reply(t, r); err != nil || !res.Duplicate {
		t.Fatalf("after restart: %+v %v, want duplicate", res, err)
	}
	if logs := v.logs(t); len(logs) != 1 || logs[0].Minutes != 10 || logs[0].Learner != "priya" {
		t.Fatalf("logs %+v, want exactly one 10-minute check-in with priya", logs)
	}
	if dups != 15 {
		t.Fatalf("%d duplicates reported, want 15", dups)
	}
	if it := v.items(t)[id]; it.Answered != "logged" {
		t.Fatalf("nudge not marked answered: %+v", it)
	}
}

func TestReply_InvalidChangesNothing(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	id := sendNow(t, v, nudges.KindCheckIn)
	for _, tc := range []struct {
		name   string
		r      bot.Reply
		field  string
		target error
	}{
		{"NotOnTeam", bot.Reply{ID: "a", Nudge: id, Action: nudges.ActLog, Fields: checkIn("zed", "10", "2026-06-09", "", "")}, nudges.FieldMember, bot.ErrInvalid},
		{"BadMinutes", bot.Reply{ID: "b", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "ten", "2026-06-09", "", "")}, nudges.FieldMinutes, bot.ErrInvalid},
		{"ReviewInPast", bot.Reply{ID: "c", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-05-01", "", "")}, nudges.FieldReview, bot.ErrInvalid},
		{"ShareWithoutWin", bot.Reply{ID: "d", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "", "yes")}, nudges.FieldShare, bot.ErrInvalid},
		{"ShareNeitherYesNorNo", bot.Reply{ID: "d2", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "a win", "maybe")}, nudges.FieldShare, bot.ErrInvalid},
		{"SkipWithoutReason", bot.Reply{ID: "e", Nudge: id, Action: nudges.ActSkip}, nudges.FieldReason, bot.ErrInvalid},
		{"UnknownNudge", bot.Reply{ID: "f", Nudge: "nope", Action: nudges.ActSnooze}, "", bot.ErrUnknownNudge},
		{"UnknownManager", bot.Reply{ID: "g", Manager: "mallory", Nudge: id, Action: nudges.ActSnooze}, "", bot.ErrUnknownManager},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.reply(t, tc.r)
			if !errors.Is(err, tc.target) {
				t.Fatalf("error %v, want %v", err, tc.target)
			}
			var fe bot.FieldErrors
			if tc.field != "" && (!errors.As(err, &fe) || fe[0].Field != tc.field) {
				t.Fatalf("field errors %v, want one on %s", err, tc.field)
			}
		})
	}
	if n := len(v.logs(t)); n != 0 {
		t.Fatalf("invalid replies stored %d logs", n)
	}
	if it := v.items(t)[id]; it.Answered != "" {
		t.Fatalf("invalid reply closed the nudge: %+v", it)
	}
}

func TestReminders(t *testing.T) {
	t.Run("UnansweredGetsOneReminder", func(t *testing.T) {
		v := newEnv(t, baseConfig, "2026-06-01T08:29:00Z")
		v.clock.Set("2026-06-01T08:30:00Z")
		v.flush(t)
		v.clock.Set("2026-06-02T08:31:00Z")
		v.flush(t)
		v.clock.Set("2026-06-05T15:00:00Z")
		v.flush(t)
		msgs := v.chat.Sent()
		if len(msgs) != 2 || !strings.HasPrefix(msgs[1].msg.Title, "Reminder: ") {
			t.Fatalf("want the nudge and one reminder, got %d: %v", len(msgs), msgs)
		}
		// Answering the reminder closes the original too.
		if _, err := v.reply(t, bot.Reply{ID: "x", Nudge: msgs[1].msg.Nudge, Action: nudges.ActLog, Fields: checkIn("tom", "5", "2026-06-12", "", "")}); err != nil {
			t.Fatal(err)
		}
		if it := v.items(t)[msgs[0].msg.Nudge]; it.Answered != "logged" {
			t.Fatalf("original not closed by answering its reminder: %+v", it)
		}
	})
	t.Run("AnsweredGetsNone", func(t *testing.T) {
		v := newEnv(t, baseConfig, "2026-06-01T08:29:00Z")
		v.clock.Set("2026-06-01T08:30:00Z")
		v.flush(t)
		id := v.chat.Sent()[0].msg.Nudge
		if _, err := v.reply(t, bot.Reply{ID: "x", Nudge: id, Action: nudges.ActSkip, Fields: map[string]string{nudges.FieldReason: "team offsite"}}); err != nil {
			t.Fatal(err)
		}
		v.clock.Set("2026-06-03T10:00:00Z")
		v.flush(t)
		if n := len(v.chat.Sent()); n != 1 {
			t.Fatalf("%d messages, want no reminder after a skip", n)
		}
		if l := v.logs(t); len(l) != 1 || l[0].Kind != "skip" || l[0].Answers[nudges.FieldReason] != "team offsite" {
			t.Fatalf("skip not logged with its reason: %+v", l)
		}
	})
}

func TestSnooze(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-05T15:00:00Z") // Friday 16:00 BST
	id := sendNow(t, v, nudges.KindCheckIn)
	res, err := v.reply(t, bot.Reply{ID: "s", Nudge: id, Action: nudges.ActSnooze})
	if err != nil {
		t.Fatal(err)
	}
	// 24 hours later is Saturday: the nudge returns Monday 09:00 BST.
	if !strings.Contains(res.Text, "Mon 8 Jun 09:00") {
		t.Fatalf("snooze answer %q", res.Text)
	}
	v.clock.Set("2026-06-08T07:59:00Z")
	v.flush(t)
	if n := len(v.chat.Sent()); n != 1 {
		t.Fatalf("snoozed nudge came back early: %d messages", n)
	}
	v.clock.Set("2026-06-08T08:00:00Z")
	v.flush(t)
	msgs := v.chat.Sent()
	if len(msgs) != 2 || msgs[1].msg.Kind != nudges.KindCheckIn {
		t.Fatalf("snoozed nudge not redelivered: %+v", msgs)
	}
}

func TestShoutOut_OnlyWithConsent(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	id := sendNow(t, v, nudges.KindCheckIn)
	if _, err := v.reply(t, bot.Reply{ID: "1", Nudge: id, Action: nudges.ActLog, Fields: checkIn("tom", "10", "2026-06-09", "Tom calmed an angry customer", "no")}); err != nil {
		t.Fatal(err)
	}
	v.flush(t)
	if n := has(v.chat.Sent(), func(s sent) bool { return s.to.Channel != "" }); n != 0 {
		t.Fatalf("a win posted to the channel without consent")
	}
	res, err := v.reply(t, bot.Reply{ID: "2", Kind: nudges.KindCheckIn, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "Priya ran her first feedback session", "yes")})
	if err != nil || !res.ShoutOut {
		t.Fatalf("%+v %v", res, err)
	}
	v.flush(t)
	posts := has(v.chat.Sent(), func(s sent) bool {
		return s.to.Channel == "team-one" && s.msg.Kind == nudges.KindShoutOut &&
			strings.Contains(textOf(s.msg), "Priya Shah") && strings.Contains(textOf(s.msg), "first feedback session")
	})
	if posts != 1 {
		t.Fatalf("want one shout-out for Priya in team-one, got %d: %+v", posts, v.chat.Sent())
	}
}

func TestSummary_FromLogs(t *testing.T) {
	// A minimum group of 2: the two-learner team's channel gets its figures.
	v := newEnv(t, baseConfig+"[targets]\nmin_group_size = 2\n", "2026-06-10T09:00:00Z") // Wednesday of week 2
	for i, tc := range []struct{ member, minutes, win, share string }{
		{"priya", "10", "Priya led the retro", "yes"},
		{"tom", "15", "Tom asked for feedback first", "no"},
	} {
		if _, err := v.reply(t, bot.Reply{ID: fmt.Sprint(i), Kind: nudges.KindCheckIn, Action: nudges.ActLog, Fields: checkIn(tc.member, tc.minutes, "2026-06-17", tc.win, tc.share)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.reply(t, bot.Reply{ID: "o", Kind: nudges.KindAssignment, Action: nudges.ActOutcome, Fields: map[string]string{nudges.FieldLearner: "Priya Shah", nudges.FieldOutcome: "applied"}}); err != nil {
		t.Fatal(err)
	}
	// Last week's log must not count this week.
	if _, err := v.reply(t, bot.Reply{ID: "old", Kind: nudges.KindCheckIn, Action: nudges.ActLog, At: time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC), Fields: checkIn("tom", "30", "2026-06-17", "", "")}); err != nil {
		t.Fatal(err)
	}
	sendNow(t, v, nudges.KindSummary)
	var team, dm string
	for _, s := range v.chat.Sent() {
		if s.msg.Kind != nudges.KindSummary {
			continue
		}
		if s.to.Channel == "team-one" {
			team = textOf(s.msg)
		} else {
			dm = textOf(s.msg)
		}
	}
	for _, want := range []string{"1 of 2 of us (50%)", "goal is 70%", "2 coaching conversations", "Win: Priya Shah — Priya led the retro"} {
		if !strings.Contains(team, want) {
			t.Errorf("team summary lacks %q:\n%s", want, team)
		}
	}
	for _, never := range []string{"Tom", "minutes"} {
		if strings.Contains(team, never) {
			t.Errorf("team summary singles out or exposes %q:\n%s", never, team)
		}
	}
	for _, want := range []string{"1 of 2 learners (50%), target 70%", "Not yet applied: Tom Berg", "25 of 30 minutes (2 check-ins logged)", "Tom asked for feedback first (kept private)", "week 2 · activation"} {
		if !strings.Contains(dm, want) {
			t.Errorf("manager summary lacks %q:\n%s", want, dm)
		}
	}
}

func TestLearningEvent(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-05T15:00:00Z") // Friday 16:00 BST
	ev := bot.LearningEvent{Learner: "priya", Verb: nudges.EventCompleted, Module: "Module 1: Opening lines"}
	if n, err := v.e.HandleEvent(context.Background(), ev); err != nil || n != 1 {
		t.Fatalf("scheduled %d (%v), want 1", n, err)
	}
	if n, err := v.e.HandleEvent(context.Background(), ev); err != nil || n != 0 {
		t.Fatalf("redelivered event scheduled %d (%v), want 0", n, err)
	}
	if _, err := v.e.HandleEvent(context.Background(), bot.LearningEvent{Learner: "ghost", Verb: "completed", Module: "x"}); !errors.Is(err, bot.ErrUnknownLearner) {
		t.Fatalf("unknown learner: %v", err)
	}
	// 48 hours later is Sunday: the debrief goes out Monday 09:00 BST.
	v.clock.Set("2026-06-08T07:59:00Z")
	v.flush(t)
	if n := has(v.chat.Sent(), func(s sent) bool { return strings.HasPrefix(s.msg.Title, "Debrief") }); n != 0 {
		t.Fatal("debrief sent before Monday 09:00")
	}
	v.clock.Set("2026-06-08T08:00:00Z")
	v.flush(t)
	n := has(v.chat.Sent(), func(s sent) bool {
		txt := textOf(s.msg)
		return strings.Contains(txt, "Priya Shah") && strings.Contains(txt, "Module 1: Opening lines")
	})
	if n != 1 {
		t.Fatalf("want one debrief naming Priya and the module, got %+v", v.chat.Sent())
	}
}

func TestDelivery_Failures(t *testing.T) {
	t.Run("TemporaryRetriesWithBackoff", func(t *testing.T) {
		v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
		fail := true
		v.chat.SendFunc = func(bot.Recipient, nudges.Message) (string, error) {
			if fail {
				return "", errors.New("connection reset")
			}
			return "", nil
		}
		id := sendNow(t, v, nudges.KindCheckIn)
		it := v.items(t)[id]
		if it.State != store.Pending || it.Attempts != 1 || !it.NextAttempt.After(v.clock.Now()) {
			t.Fatalf("after a network error: %+v", it)
		}
		v.flush(t) // same instant: no tight retry
		if it := v.items(t)[id]; it.Attempts != 1 {
			t.Fatalf("retried immediately: %d attempts", it.Attempts)
		}
		fail = false
		v.clock.Set("2026-06-02T09:05:00Z")
		v.flush(t)
		if it := v.items(t)[id]; it.State != store.Sent || it.Attempts != 2 {
			t.Fatalf("after recovery: %+v", it)
		}
	})
	t.Run("RetryAfterHonoured", func(t *testing.T) {
		v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
		v.chat.SendFunc = func(bot.Recipient, nudges.Message) (string, error) {
			return "", &bot.RetryAfterError{After: 90 * time.Second, Err: errors.New("429")}
		}
		id := sendNow(t, v, nudges.KindCheckIn)
		it := v.items(t)[id]
		if !it.NextAttempt.Equal(v.clock.Now().Add(90 * time.Second)) {
			t.Fatalf("next attempt %v, want exactly Retry-After from now", it.NextAttempt)
		}
		if it.Attempts != 0 || it.State != store.Pending {
			t.Fatalf("a rate-limited attempt used up the item's budget: %+v", it)
		}
	})
	t.Run("PermanentFailsWithReason", func(t *testing.T) {
		v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
		v.chat.SendFunc = func(bot.Recipient, nudges.Message) (string, error) {
			return "", bot.Permanent("user_not_found", errors.New("slack said so"))
		}
		id := sendNow(t, v, nudges.KindCheckIn)
		if it := v.items(t)[id]; it.State != store.Failed || !strings.Contains(it.Reason, "user_not_found") {
			t.Fatalf("after a permanent error: %+v", it)
		}
		if c, _ := v.st.Counts(); c[store.Failed] != 1 {
			t.Fatalf("counts %v", c)
		}
	})
}

// reconcilingChat can say whether a nudge was already posted.
type reconcilingChat struct {
	*fakeChat
	posted map[string]bool
}

func (r *reconcilingChat) Delivered(_ context.Context, _ bot.Recipient, nudges []string, _ time.Time) (map[string]string, error) {
	found := map[string]string{}
	for _, n := range nudges {
		if r.posted[n] {
			found[n] = "found-" + n
		}
	}
	return found, nil
}

func TestRestart_SettlesInFlight(t *testing.T) {
	for _, tc := range []struct {
		name     string
		posted   bool
		messages int
	}{{"PostedBeforeCrash", true, 0}, {"LostInCrash", false, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
			id := v.crashWhileSending(t, nil)
			rc := &reconcilingChat{fakeChat: v.chat, posted: map[string]bool{id: tc.posted}}
			v.e = bot.New(v.cfg, v.st, rc, bot.Options{Now: v.clock.Now})
			if err := v.e.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			v.flush(t)
			if n := len(v.chat.Sent()); n != tc.messages {
				t.Fatalf("%d messages after restart, want %d", n, tc.messages)
			}
			if it := v.items(t)[id]; it.State != store.Sent {
				t.Fatalf("item %+v not settled as sent", it)
			}
		})
	}
}

func TestDailyCap_DefersEventNudges(t *testing.T) {
	cfg := strings.Replace(baseConfig, "max_nudges_per_day = 3", "max_nudges_per_day = 1", 1)
	v := newEnv(t, cfg, "2026-06-05T08:00:00Z")
	// The debrief for Saturday's completion falls due Monday 09:00 BST, but
	// Monday's one slot belongs to the planned 09:30 check-in: the debrief
	// waits for Tuesday rather than crowd out what the plan promised.
	if _, err := v.e.HandleEvent(context.Background(), bot.LearningEvent{Learner: "tom", Verb: "completed", Module: "M1", At: time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	v.clock.Set("2026-06-08T08:40:00Z")
	v.flush(t)
	msgs := v.chat.Sent()
	if len(msgs) != 1 || strings.HasPrefix(msgs[0].msg.Title, "Debrief") {
		t.Fatalf("Monday: %d messages (%v), want only the planned check-in", len(msgs), msgs)
	}
	v.clock.Set("2026-06-09T08:00:00Z") // Tuesday 09:00 BST
	v.flush(t)
	msgs = v.chat.Sent()
	if len(msgs) != 2 || !strings.HasPrefix(msgs[1].msg.Title, "Debrief with Tom Berg") {
		t.Fatalf("Tuesday: want the deferred debrief, got %d messages", len(msgs))
	}
	if c, _ := v.st.Counts(); c[store.Skipped] != 0 {
		t.Fatalf("%d skipped: deferral must not drop anything", c[store.Skipped])
	}
}

func TestReload_RecomputesChangedSchedule(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-01T07:00:00Z")
	cfg2 := strings.Replace(baseConfig, `schedule = "30 9 * * mon"`, `schedule = "0 11 * * mon"`, 1)
	newCfg := testroster.Config(t, v.dir, cfg2)
	if err := v.e.Reload(context.Background(), newCfg); err != nil {
		t.Fatal(err)
	}
	v.cfg = newCfg // restarts below read the new file
	// The old 09:30 row is superseded: nothing goes out then…
	v.clock.Set("2026-06-01T08:31:00Z")
	v.flush(t)
	if n := len(v.chat.Sent()); n != 0 {
		t.Fatalf("the superseded 09:30 nudge went out (%d messages)", n)
	}
	// …and the new 11:00 one goes out once.
	v.clock.Set("2026-06-01T10:00:00Z")
	v.flush(t)
	v.restart(t)
	v.flush(t)
	if n := len(v.chat.Sent()); n != 1 {
		t.Fatalf("%d messages at the new time, want 1", n)
	}
	if got := dueAt(v.due(t)); len(got) != 2 || got[1] != "checkin@2026-06-08T10:00:00Z" {
		t.Fatalf("due after the new time: %v (want a reminder and next Monday 11:00)", got)
	}
}

func TestAssignment_StaysOpenUntilEveryLearnerApplied(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	id := sendNow(t, v, nudges.KindAssignment)
	outcome := func(rid, learner, result string) {
		t.Helper()
		if _, err := v.reply(t, bot.Reply{ID: rid, Nudge: id, Action: nudges.ActOutcome,
			Fields: map[string]string{nudges.FieldLearner: learner, nudges.FieldOutcome: result}}); err != nil {
			t.Fatal(err)
		}
	}
	outcome("1", "priya", "applied")
	outcome("2", "tom", "not-yet")
	if it := v.items(t)[id]; it.Answered != "" {
		t.Fatalf("closed while Tom has not applied yet: %+v", it)
	}
	outcome("3", "tom", "applied")
	if it := v.items(t)[id]; it.Answered != store.AnsweredLogged {
		t.Fatalf("not closed once everyone applied: %+v", it)
	}
}

// flakyHistory cannot answer history lookups until told to.
type flakyHistory struct {
	*fakeChat
	up bool
}

func (f *flakyHistory) Delivered(context.Context, bot.Recipient, []string, time.Time) (map[string]string, error) {
	if !f.up {
		return nil, errors.New("slack unreachable")
	}
	return nil, nil
}

func TestRestart_HistoryUnreachableDoesNotBlockStart(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	fh := &flakyHistory{fakeChat: v.chat}
	id := v.crashWhileSending(t, fh)
	if err := v.e.Start(context.Background()); err != nil {
		t.Fatalf("start with Slack's history unreachable: %v", err)
	}
	v.flush(t)
	if it := v.items(t)[id]; it.State != store.Pending || !it.Unsure || len(v.chat.Sent()) != 0 {
		t.Fatalf("an unsettled delivery was resent blindly: %+v", it)
	}
	v.clock.Set("2026-06-02T09:30:00Z") // well past any backoff
	v.flush(t)
	if it := v.items(t)[id]; it.State != store.Pending || !it.Unsure || len(v.chat.Sent()) != 0 {
		t.Fatalf("resent while the history could not be read: %+v", it)
	}
	fh.up = true
	v.clock.Set("2026-06-02T10:30:00Z") // past the backoff of the failed look-up
	v.flush(t)
	if it := v.items(t)[id]; it.State != store.Sent || len(v.chat.Sent()) != 1 {
		t.Fatalf("after Slack came back: %+v, %d messages", it, len(v.chat.Sent()))
	}
}

// A manager can answer a nudge the instant it is posted, before the engine
// has recorded it as sent; recording the delivery must keep that answer.
func TestDelivery_AnswerDuringSendIsKept(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	answered := false
	v.chat.SendFunc = func(to bot.Recipient, m nudges.Message) (string, error) {
		if !answered {
			answered = true
			if _, err := v.reply(t, bot.Reply{ID: "fast-click", Nudge: m.Nudge, Action: nudges.ActSkip,
				Fields: map[string]string{nudges.FieldReason: "on leave"}}); err != nil {
				t.Error(err)
			}
		}
		return "", nil
	}
	id := sendNow(t, v, nudges.KindCheckIn)
	it := v.items(t)[id]
	if it.State != store.Sent || it.Answered != store.AnsweredSkipped {
		t.Fatalf("after delivery: state %s, answered %q; want sent and skipped", it.State, it.Answered)
	}
}

// A free-text note goes to the manager's latest nudge still open; once
// every nudge is answered it is kept on its own, never on a closed one.
func TestNote_AttachesToLatestOpenNudge(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	checkin := sendNow(t, v, nudges.KindCheckIn)
	v.clock.Set("2026-06-02T09:10:00Z")
	pledge := sendNow(t, v, nudges.KindPledge)
	note := func(id string) string {
		t.Helper()
		if _, err := v.reply(t, bot.Reply{ID: id, Action: bot.ActNote, Fields: map[string]string{nudges.FieldNote: "Sam ran the retro"}}); err != nil {
			t.Fatalf("note %s: %v", id, err)
		}
		for _, l := range v.logs(t) {
			if l.ID == id {
				return l.Nudge
			}
		}
		t.Fatalf("note %s not stored", id)
		return ""
	}
	if got := note("n1"); got != pledge {
		t.Fatalf("first note on %q, want the latest nudge %q", got, pledge)
	}
	if _, err := v.reply(t, bot.Reply{ID: "skip", Nudge: pledge, Action: nudges.ActSkip, Fields: map[string]string{nudges.FieldReason: "on leave"}}); err != nil {
		t.Fatal(err)
	}
	if got := note("n2"); got != checkin {
		t.Fatalf("note after the pledge was skipped on %q, want the open check-in %q", got, checkin)
	}
	if _, err := v.reply(t, bot.Reply{ID: "log", Nudge: checkin, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "", "")}); err != nil {
		t.Fatal(err)
	}
	if got := note("n3"); got != "" {
		t.Fatalf("note with every nudge answered on %q, want none", got)
	}
}
