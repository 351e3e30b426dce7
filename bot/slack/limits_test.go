package slack_test

import (
	"strings"
	"testing"
	"time"

	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/internal/slackfake"
	"github.com/nudgebot/nudgebot/store"
)

// These run the real engine, store and adapter against slackfake, whose
// buckets and faults behave like Slack's, on a small roster: the
// benchmarks in limits_bench_test.go measure the same at 2,000 managers.
// They assert counts (what Slack holds, what was called, what it refused),
// never durations; the timeout only guards against a hang.

const limitsTestTimeout = 3 * time.Minute

// A first run finds managers by email through one page of users.list,
// posts to their user ids (no conversations.open, no users.lookupByEmail),
// and paces posts so that Slack's small buckets (bursts of 3) almost never
// answer 429, and nothing is sent while a Retry-After runs.
func TestLimits_FirstRunWithinSlacksBuckets(t *testing.T) {
	const n = 40
	fake := slackfake.New(slackfake.Options{Token: botToken, Limits: slackfake.Slack(20, 3)})
	t.Cleanup(fake.Close)
	v := newLimitsEnv(t, n, false, fake, 20)
	ids := v.queue(t)
	if _, finished := runUntilSettled(t, v.e, v.st, limitsTestTimeout); !finished {
		t.Fatal("not every nudge was settled")
	}
	k := readBooks(t, v.st, fake, ids)
	if k.tally.Delivered != n || k.tally.Duplicated != 0 || k.lost != 0 {
		t.Fatalf("delivered %d of %d, %d duplicated, %d lost", k.tally.Delivered, n, k.tally.Duplicated, k.lost)
	}
	calls := k.snap.Calls
	if calls["users.list"] != 1 || calls["users.lookupByEmail"] != 0 || calls["conversations.open"] != 0 {
		t.Errorf("identity calls %v: want one users.list page, no single lookups, no conversations.open", calls)
	}
	if limited := k.snap.Limited(); limited*20 > len(k.snap.Requests) {
		t.Errorf("%d of %d requests answered 429, want at most 5%%", limited, len(k.snap.Requests))
	}
	if viol := k.snap.Violations(); len(viol) != 0 {
		t.Errorf("%d requests sent while Slack had said to wait", len(viol))
	}
	if !k.agrees() {
		t.Errorf("status disagrees with Slack: store sent %d, failed %d, other %d; Slack holds %d", k.sent, k.failed, k.other, k.tally.Delivered)
	}
}

// With Slack failing a share of every method's calls — 500 before the
// call takes effect, 503 after it did (the message is stored), 429 (the
// benchmark Faults2000 uses the 20/20/10%) —
// every nudge arrives exactly once, and the outbox says what Slack holds.
func TestLimits_FaultsNeitherDuplicateNorLose(t *testing.T) {
	const n = 20
	// Posts fail after taking effect 40% of the time, so that among 20 the
	// scenario all but surely has some (0.6^20 ≈ 4e-5 that it has none).
	faults := slackfake.Faults{Seed: 11, All: slackfake.Fault{Before: 0.1, After: 0.2, RateLimited: 0.05},
		Methods: map[string]slackfake.Fault{"chat.postMessage": {Before: 0.1, After: 0.4, RateLimited: 0.05}}}
	fake := slackfake.New(slackfake.Options{Token: botToken, Limits: slackfake.Slack(50, 3), Faults: faults})
	t.Cleanup(fake.Close)
	v := newLimitsEnv(t, n, false, fake, 50)
	ids := v.queue(t)
	if _, finished := runUntilSettled(t, v.e, v.st, limitsTestTimeout); !finished {
		t.Fatal("not every nudge was settled")
	}
	k := readBooks(t, v.st, fake, ids)
	if k.tally.Delivered != n || k.tally.Duplicated != 0 || k.lost != 0 {
		t.Fatalf("delivered %d of %d, %d duplicated (%d extra DMs), %d lost", k.tally.Delivered, n, k.tally.Duplicated, k.tally.Extra, k.lost)
	}
	if !k.agrees() {
		t.Errorf("status disagrees with Slack: store sent %d, failed %d, other %d; Slack holds %d", k.sent, k.failed, k.other, k.tally.Delivered)
	}
	if k.snap.Calls["conversations.history"] == 0 {
		t.Error("no history was read: the ambiguous failures cannot have been checked")
	}
	if c, _ := v.st.Counts(); c[store.Sent] != n {
		t.Errorf("status counts %v, want %d sent", c, n)
	}
	var after int
	for _, r := range k.snap.Requests {
		if r.Method == "chat.postMessage" && strings.HasPrefix(r.Fault, slackfake.FaultAfter) {
			after++
		}
	}
	if after == 0 {
		t.Error("the fake stored no message before failing: the scenario tests nothing")
	}
}

// When posts fail without a clear answer, each unsure nudge is checked
// without conversations.open: one users.conversations reading lists the
// DMs the bot has, a manager with none was never posted to (posted again,
// no history read), and only a DM that exists has its history read. With
// faults on posts alone, that is one history read for each post that took
// effect before its 503, and none for those refused before.
func TestLimits_UnsureChecksReadTheDMListNotEachConversation(t *testing.T) {
	const n = 20
	faults := slackfake.Faults{Seed: 5, Methods: map[string]slackfake.Fault{"chat.postMessage": {Before: 0.3, After: 0.3}}}
	fake := slackfake.New(slackfake.Options{Token: botToken, Limits: slackfake.Slack(50, 3), Faults: faults})
	t.Cleanup(fake.Close)
	v := newLimitsEnv(t, n, false, fake, 50)
	ids := v.queue(t)
	if _, finished := runUntilSettled(t, v.e, v.st, limitsTestTimeout); !finished {
		t.Fatal("not every nudge was settled")
	}
	k := readBooks(t, v.st, fake, ids)
	if k.tally.Delivered != n || k.tally.Duplicated != 0 || k.lost != 0 || !k.agrees() {
		t.Fatalf("delivered %d of %d, %d duplicated, %d lost; store sent %d failed %d other %d", k.tally.Delivered, n, k.tally.Duplicated, k.lost, k.sent, k.failed, k.other)
	}
	var before, after int
	for _, r := range k.snap.Requests {
		switch {
		case r.Method != "chat.postMessage":
		case strings.HasPrefix(r.Fault, slackfake.FaultBefore):
			before++
		case strings.HasPrefix(r.Fault, slackfake.FaultAfter):
			after++
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%d posts refused before, %d after taking effect: the scenario needs both", before, after)
	}
	calls := k.snap.Calls
	if calls["conversations.open"] != 0 || calls["users.conversations"] == 0 {
		t.Errorf("calls %v: want DMs learned through users.conversations, none opened one by one", calls)
	}
	if calls["conversations.history"] != after {
		t.Errorf("%d history reads for %d posts that took effect and %d refused before: want one for each that took effect", calls["conversations.history"], after, before)
	}
}

// A user list that fails again and again (six 500s in a row, then an
// answer) is asked again until it answers, not given up for a
// users.lookupByEmail per manager: under Slack's faults those cost a Tier 3
// call each, and a fan-out of a hundred managers then took minutes to
// start.
func TestLimits_UserListIsAskedAgainNotGivenUp(t *testing.T) {
	nbslack.ShortenListRetry(t)
	const n = 5
	// Seed 6 makes the first six users.list calls fail, the seventh answer.
	faults := slackfake.Faults{Seed: 6, Methods: map[string]slackfake.Fault{"users.list": {Before: 0.75}}}
	fake := slackfake.New(slackfake.Options{Token: botToken, Limits: slackfake.Slack(50, 3), Faults: faults})
	t.Cleanup(fake.Close)
	v := newLimitsEnv(t, n, false, fake, 50)
	ids := v.queue(t)
	if _, finished := runUntilSettled(t, v.e, v.st, limitsTestTimeout); !finished {
		t.Fatal("not every nudge was settled")
	}
	k := readBooks(t, v.st, fake, ids)
	if k.tally.Delivered != n || k.tally.Duplicated != 0 || k.lost != 0 {
		t.Fatalf("delivered %d of %d, %d duplicated, %d lost", k.tally.Delivered, n, k.tally.Duplicated, k.lost)
	}
	var failed int
	for _, r := range k.snap.Requests {
		if r.Method == "users.list" && r.Fault == slackfake.FaultBefore {
			failed++
		}
	}
	if calls := k.snap.Calls; failed <= 5 || calls["users.lookupByEmail"] != 0 {
		t.Errorf("%d users.list calls failed; calls %v: want more than five failures, then the list read, and no single lookups", failed, calls)
	}
}
