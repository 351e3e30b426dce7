package bot_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

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
