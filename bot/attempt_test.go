package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// TestNext is the delivery state machine as a table: each row is an item
// as stored, an attempt's verdict, and the state it must lead to.
func TestNext(t *testing.T) {
	t0 := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
	const horizon = 12 * time.Hour
	fresh := store.Item{ID: "n1", State: store.Sending, NextAttempt: t0}
	tried := fresh
	tried.Attempts, tried.FirstAttempt = 3, t0.Add(-time.Hour)
	old := fresh // first tried longer ago than the horizon
	old.Attempts, old.FirstAttempt = 40, t0.Add(-horizon)
	oldUnsure := old
	oldUnsure.Unsure = true
	unsureItem := tried
	unsureItem.Unsure = true
	for _, tc := range []struct {
		name     string
		item     store.Item
		attempt  attempt
		state    store.State
		attempts int
		unsure   bool
		next     time.Time // NextAttempt, when pending
		reason   string    // a substring of the reason
	}{
		{"DeliveredFirstTime", fresh, attempt{verdict: delivered, ref: "D1/1"}, store.Sent, 1, false, time.Time{}, ""},
		{"DeliveredAfterUnsure", unsureItem, attempt{verdict: delivered, ref: "D1/1"}, store.Sent, 4, false, time.Time{}, ""},
		{"RefusedFailsAtOnce", fresh, attempt{verdict: refused, reason: "channel_not_found"}, store.Failed, 1, false, time.Time{}, "channel_not_found"},
		{"ThrottledWaitsExactlyAndCountsNothing", tried, attempt{verdict: throttled, wait: 30 * time.Second, reason: "rate limited"}, store.Pending, 3, false, t0.Add(30 * time.Second), "rate limited"},
		{"UntriedIsReadyAgainAndCountsNothing", tried, attempt{verdict: untried}, store.Pending, 3, false, t0, ""},
		{"UntriedKeepsUnsure", unsureItem, attempt{verdict: untried}, store.Pending, 3, true, t0, ""},
		{"FailedTryBacksOff", tried, attempt{verdict: failedTry, reason: "dial tcp: refused", backoff: time.Minute}, store.Pending, 4, false, t0.Add(time.Minute), "refused"},
		{"FailedTryPastHorizonFails", old, attempt{verdict: failedTry, reason: "dial tcp: refused", backoff: time.Minute}, store.Failed, 41, false, time.Time{}, "gave up after 12h0m0s (41 attempts)"},
		{"FailedTryPastHorizonButUnsureAsksFirst", oldUnsure, attempt{verdict: failedTry, reason: "dial tcp: refused", backoff: time.Minute}, store.Pending, 41, true, t0.Add(time.Minute), "refused"},
		{"UnsureBecomesUnsure", tried, attempt{verdict: unsure, reason: "503", backoff: 2 * time.Minute}, store.Pending, 4, true, t0.Add(2 * time.Minute), "503"},
		{"UnsurePastHorizonStaysPending", old, attempt{verdict: unsure, reason: "503", backoff: 2 * time.Minute}, store.Pending, 41, true, t0.Add(2 * time.Minute), "503"},
		{"CheckedNotFoundThenFailedTryPastHorizonFails", oldUnsure, attempt{verdict: failedTry, checked: true, reason: "dial tcp: refused"}, store.Failed, 41, false, time.Time{}, "gave up"},
		{"NotFoundPastHorizonFails", oldUnsure, attempt{verdict: notFound, checked: true}, store.Failed, 41, false, time.Time{}, "never posted"},
		{"UncheckedCountsNothingAndStaysUnsure", unsureItem, attempt{verdict: unchecked, reason: "cannot tell", backoff: 30 * time.Second}, store.Pending, 3, true, t0.Add(30 * time.Second), "cannot tell"},
		{"UncheckedPastHorizonStaysPending", oldUnsure, attempt{verdict: unchecked, reason: "cannot tell", backoff: time.Minute}, store.Pending, 40, true, t0.Add(time.Minute), "cannot tell"},
		{"FirstAttemptIsRecorded", fresh, attempt{verdict: failedTry, reason: "x", backoff: time.Second}, store.Pending, 1, false, t0.Add(time.Second), "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := next(tc.item, tc.attempt, t0, horizon)
			if got.State != tc.state || got.Attempts != tc.attempts || got.Unsure != tc.unsure {
				t.Fatalf("state %s, attempts %d, unsure %v; want %s, %d, %v", got.State, got.Attempts, got.Unsure, tc.state, tc.attempts, tc.unsure)
			}
			if tc.state == store.Pending && !got.NextAttempt.Equal(tc.next) {
				t.Errorf("next attempt %v, want %v", got.NextAttempt, tc.next)
			}
			if !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("reason %q, want it to say %q", got.Reason, tc.reason)
			}
			if tc.state == store.Sent && (got.Ref != tc.attempt.ref || !got.SentAt.Equal(t0)) {
				t.Errorf("sent item ref %q at %v", got.Ref, got.SentAt)
			}
			if got.Attempts > 0 && got.FirstAttempt.IsZero() {
				t.Error("an attempt was counted but the first attempt's time not kept")
			}
		})
	}
}

// TestVerdictOf reads what each kind of platform error means.
func TestVerdictOf(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want verdict
	}{
		{nil, delivered},
		{Permanent("user_not_found", base), refused},
		{&RetryAfterError{After: time.Second, Err: base}, throttled},
		{Unknown(base), unsure},
		{NotSent(base), untried},
		{base, failedTry},
		{NotSent(Unknown(base)), untried}, // the outermost word wins
	} {
		if got, _, _ := verdictOf(tc.err); got != tc.want {
			t.Errorf("verdictOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}
