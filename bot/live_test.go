package bot_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/store"
)

// liveNow reads the live figures.
func liveNow(t *testing.T, v *env) (insight.Report, uint64) {
	t.Helper()
	r, ver, err := v.e.LiveReport(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	return r, ver
}

// scanned is the same figures counted from the whole file, as the
// command line's report does.
func scanned(t *testing.T, v *env) insight.Report {
	t.Helper()
	cfg := v.e.Config()
	today := nudges.DateOf(v.clock.Now().In(cfg.Location))
	r, err := bot.InsightReport(v.st, cfg, "p", cfg.Program("p").Launch, today)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestLive_MatchesAFullScan: after every step of random sequences of
// sends, failed sends, replies, ratings, skips, expiries, erasures and
// days passing, the live figures equal a count of the whole file.
func TestLive_MatchesAFullScan(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			v := newEnv(t, digestConfig, "2026-06-08T09:00:00Z")
			ctx := context.Background()
			rnd := rand.New(rand.NewPCG(seed, 42))
			var open []string
			for step := range 40 {
				switch op := rnd.IntN(9); op {
				case 0, 1:
					kind := []nudges.Kind{nudges.KindCheckIn, nudges.KindPledge}[rnd.IntN(2)]
					fail := rnd.IntN(4) == 0
					v.chat.SendFunc = func(bot.Recipient, nudges.Message) (string, error) {
						if fail {
							return "", bot.Permanent("user_not_found", errors.New("refused"))
						}
						return "", nil
					}
					// Each send its own minute: SendNow's id names the moment.
					v.clock.SetTime(v.clock.Now().Add(time.Minute))
					ids, err := v.e.SendNow(ctx, "ann", kind)
					if err != nil {
						t.Fatal(err)
					}
					v.flush(t)
					open = append(open, ids...)
				case 2, 3:
					r := bot.Reply{ID: fmt.Sprint("r", step), Action: nudges.ActLog, Kind: nudges.KindCheckIn,
						Fields: checkIn("priya", fmt.Sprint(5+rnd.IntN(20)), "2026-07-01", "", "")}
					if len(open) > 0 && rnd.IntN(3) > 0 {
						r.Nudge = open[rnd.IntN(len(open))]
					}
					_, _ = v.reply(t, r) // refusals (a closed nudge) change nothing
				case 4:
					if len(open) > 0 {
						act := []string{nudges.ActUseful, nudges.ActNotUseful}[rnd.IntN(2)]
						_, _ = v.reply(t, bot.Reply{ID: fmt.Sprint("r", step), Nudge: open[rnd.IntN(len(open))], Action: act})
					}
				case 5:
					if len(open) > 0 {
						_, _ = v.reply(t, bot.Reply{ID: fmt.Sprint("r", step), Nudge: open[rnd.IntN(len(open))], Action: nudges.ActSkip,
							Fields: map[string]string{nudges.FieldReason: []string{"busy", "holiday"}[rnd.IntN(2)]}})
					}
				case 6:
					v.clock.SetTime(v.clock.Now().Add(time.Duration(1+rnd.IntN(72)) * time.Hour))
					if _, err := v.e.Expire(ctx); err != nil {
						t.Fatal(err)
					}
				case 8:
					// A learner applies: their first application counts,
					// a later one changes nothing.
					who := []string{"priya", "tom"}[rnd.IntN(2)]
					_, _ = v.reply(t, bot.Reply{ID: fmt.Sprint("r", step), Kind: nudges.KindAssignment, Action: nudges.ActOutcome,
						Fields: map[string]string{nudges.FieldLearner: who, nudges.FieldOutcome: "applied"}})
				case 7:
					if rnd.IntN(4) == 0 {
						if err := v.st.Write(ctx, func(tx *store.Tx) error {
							_, err := tx.ErasePerson(store.Who{IDs: []string{"priya"}}, "test", v.clock.Now())
							return err
						}); err != nil {
							t.Fatal(err)
						}
					}
				}
				if rnd.IntN(3) == 0 || step == 39 {
					live, _ := liveNow(t, v)
					if want := scanned(t, v); !reflect.DeepEqual(live, want) {
						t.Fatalf("step %d: live figures differ from a full count:\nlive %+v\nscan %+v", step, live, want)
					}
				}
			}
		})
	}
}

// TestLive_ReplyIsADelta: a check-in stored after the figures were counted
// shows in the next read, taken as a delta: the version moves on, and the
// data file is not read again.
func TestLive_ReplyIsADelta(t *testing.T) {
	v := newEnv(t, digestConfig, "2026-06-17T10:00:00Z")
	id := sendNow(t, v, nudges.KindCheckIn)
	before, ver := liveNow(t, v)
	counts := v.e.LiveCounts()
	if _, err := v.reply(t, bot.Reply{ID: "r1", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "25", "2026-06-24", "", "")}); err != nil {
		t.Fatal(err)
	}
	after, ver2 := liveNow(t, v)
	if n := v.e.LiveCounts() - counts; n != 0 {
		t.Errorf("a check-in made the figures be counted from the file again (%d times)", n)
	}
	if ver2 == ver || after.Reach.Coached != before.Reach.Coached+1 || after.Reach.Replied != before.Reach.Replied+1 {
		t.Errorf("after a check-in: coached %d→%d, replied %d→%d, version %d→%d", before.Reach.Coached, after.Reach.Coached,
			before.Reach.Replied, after.Reach.Replied, ver, ver2)
	}
	if want := scanned(t, v); !reflect.DeepEqual(after, want) {
		t.Errorf("live %+v\nscan %+v", after, want)
	}
}

// TestLive_CommitDuringTheCountCountsOnce: a check-in committed while the
// figures are being counted from the file (after the count read it) is in
// the figures once, not lost and not twice.
func TestLive_CommitDuringTheCountCountsOnce(t *testing.T) {
	v := newEnv(t, digestConfig, "2026-06-17T10:00:00Z")
	id := sendNow(t, v, nudges.KindCheckIn)
	want := scanned(t, v)
	bot.SetLiveCountHook(func() {
		bot.SetLiveCountHook(nil)
		if _, err := v.reply(t, bot.Reply{ID: "during", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "25", "2026-06-24", "", "")}); err != nil {
			t.Error(err)
		}
	})
	defer bot.SetLiveCountHook(nil)
	got, _ := liveNow(t, v)
	if got.Reach.Coached != want.Reach.Coached+1 || got.Reach.Replied != want.Reach.Replied+1 {
		t.Errorf("a check-in committed during the count: coached %d→%d, replied %d→%d", want.Reach.Coached, got.Reach.Coached,
			want.Reach.Replied, got.Reach.Replied)
	}
	if after := scanned(t, v); !reflect.DeepEqual(got, after) {
		t.Errorf("live %+v\nscan %+v", got, after)
	}
}

// TestLive_RetentionWithNothingToDeleteKeepsTheFigures: the hourly
// retention run that finds no log old enough leaves the live figures as
// they are; they are not counted from the file again.
func TestLive_RetentionWithNothingToDeleteKeepsTheFigures(t *testing.T) {
	v := newEnv(t, digestConfig+"\n[privacy]\nretention = \"365d\"\n", "2026-06-17T10:00:00Z")
	sendNow(t, v, nudges.KindCheckIn)
	liveNow(t, v)
	counts := v.e.LiveCounts()
	if n, err := v.e.Retain(context.Background()); err != nil || n != 0 {
		t.Fatalf("retention: %d, %v", n, err)
	}
	liveNow(t, v)
	if n := v.e.LiveCounts() - counts; n != 0 {
		t.Errorf("a retention run that deleted nothing made the figures be counted again (%d times)", n)
	}
}

// TestLive_CommitReportedAfterTheCountCountsOnce: a reply whose commit
// lands before the count's snapshot, but whose report reaches the live
// figures only after the count (the writer held up between the two), is
// in the figures once.
func TestLive_CommitReportedAfterTheCountCountsOnce(t *testing.T) {
	v := newEnv(t, digestConfig, "2026-06-17T10:00:00Z")
	id := sendNow(t, v, nudges.KindCheckIn)
	v.st.Close()
	st, err := store.Open(filepath.Join(v.cfg.DataDir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v.st = st
	var mu sync.Mutex
	armed := false
	committed, release := make(chan struct{}), make(chan struct{})
	st.Observe(func(c store.Commit) { // heard before the engine's observers
		mu.Lock()
		a := armed
		armed = false
		mu.Unlock()
		if a && len(c.Logs) > 0 {
			close(committed)
			<-release
		}
	})
	v.e = bot.New(v.cfg, st, v.chat, bot.Options{Logger: zerolog.Nop(), Now: v.clock.Now})
	if err := v.e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	armed = true
	mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := v.reply(t, bot.Reply{ID: "r1", Nudge: id, Action: nudges.ActLog, Fields: checkIn("priya", "25", "2026-06-24", "", "")}); err != nil {
			t.Error(err)
		}
	}()
	<-committed
	liveNow(t, v) // counts from the file, which already holds r1
	close(release)
	<-done
	got, _ := liveNow(t, v)
	if want := scanned(t, v); !reflect.DeepEqual(got, want) {
		t.Errorf("live differs from a full count:\nlive %+v\nscan %+v", got.Managers, want.Managers)
	}
}

// TestLive_ManagerAlreadyInTomorrow: a nudge delivered to a manager whose
// local date is already tomorrow is not in today's figures, live or
// counted, and neither is the manager until then.
func TestLive_ManagerAlreadyInTomorrow(t *testing.T) {
	v := newEnv(t, digestConfig+`
[[managers]]
id = "ken"
name = "Ken Sato"
timezone = "Asia/Tokyo"
programs = ["p"]
`, "2026-06-17T16:30:00Z")
	liveNow(t, v)
	if _, err := v.e.SendNow(t.Context(), "ken", nudges.KindCheckIn); err != nil {
		t.Fatal(err)
	}
	v.flush(t)
	got, _ := liveNow(t, v)
	if want := scanned(t, v); !reflect.DeepEqual(got, want) {
		t.Errorf("live differs from a full count:\nlive %+v %+v\nscan %+v %+v", got.Reach, got.Managers, want.Reach, want.Managers)
	}
	v.clock.Set("2026-06-18T10:00:00Z")
	got, _ = liveNow(t, v)
	if want := scanned(t, v); !reflect.DeepEqual(got, want) || want.Reach.Nudged == 0 {
		t.Errorf("the next day, live differs from a full count:\nlive %+v\nscan %+v", got.Reach, want.Reach)
	}
}

// TestLive_RetriedModuleNudgeDatesTheModuleAlike: a debrief (which dates
// the learner's module) fails on Monday and an admin retries it on
// Thursday: live and counted figures date the module alike, by the day
// the debrief was due.
func TestLive_RetriedModuleNudgeDatesTheModuleAlike(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-05T08:00:00Z")
	if _, err := v.e.HandleEvent(context.Background(), bot.LearningEvent{Learner: "tom", Verb: "completed", Module: "M1", At: time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	v.chat.SendFunc = func(bot.Recipient, nudges.Message) (string, error) {
		return "", bot.Permanent("user_not_found", errors.New("refused"))
	}
	v.clock.Set("2026-06-08T08:00:00Z") // Monday 09:00 in London
	v.flush(t)
	liveNow(t, v)
	v.chat.SendFunc = nil
	v.clock.Set("2026-06-11T10:00:00Z") // Thursday
	if n, err := v.e.RetryFailed(context.Background()); err != nil || n == 0 {
		t.Fatalf("retry: %d %v", n, err)
	}
	v.flush(t)
	liveNow(t, v)
	v.clock.Set("2026-06-22T12:00:00Z")
	got, _ := liveNow(t, v)
	if want := scanned(t, v); !reflect.DeepEqual(got, want) {
		t.Errorf("live differs from a full count:\nlive %+v\nscan %+v", got.Teams, want.Teams)
	}
}
