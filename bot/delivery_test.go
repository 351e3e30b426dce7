package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// platform is a chat with a history, like Slack's: what it holds is what
// managers see. fail, when set, decides each post's fate before (or after)
// the message is stored.
type platform struct {
	mu      sync.Mutex
	held    map[string]int // nudge id → messages holding it
	lookups int
	fail    func(n int, m nudges.Message) (store bool, err error)
	posts   int
}

func newPlatform() *platform { return &platform{held: map[string]int{}} }

func (p *platform) Send(_ context.Context, _ bot.Recipient, m nudges.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts++
	keep, err := true, error(nil)
	if p.fail != nil {
		keep, err = p.fail(p.posts, m)
	}
	if keep {
		p.held[m.Nudge]++
	}
	return "ref-" + m.Nudge, err
}

func (p *platform) Delivered(_ context.Context, _ bot.Recipient, ids []string, _ time.Time) (map[string]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lookups++
	found := map[string]string{}
	for _, id := range ids {
		if p.held[id] > 0 {
			found[id] = "found-" + id
		}
	}
	return found, nil
}

func (p *platform) count(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[id]
}

// queue asks for nudges of each kind for Ann, without delivering them.
func queue(t *testing.T, v *env, kinds ...nudges.Kind) []string {
	t.Helper()
	var ids []string
	for _, k := range kinds {
		got, err := v.e.SendNow(context.Background(), "ann", k)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
	}
	return ids
}

// A post answered 503 after the platform stored it is not posted again:
// the retry reads the platform's history first and finds it.
func TestDelivery_AmbiguousFailureIsNotPostedTwice(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	p := newPlatform()
	p.fail = func(n int, _ nudges.Message) (bool, error) {
		if n == 1 {
			return true, bot.Unknown(errors.New("503 after the message was stored"))
		}
		return true, nil
	}
	v.e = bot.New(v.cfg, v.st, p, bot.Options{Now: v.clock.Now})
	id := queue(t, v, nudges.KindCheckIn)[0]
	v.flush(t)
	if it := v.items(t)[id]; it.State != store.Pending || !it.Unsure {
		t.Fatalf("after an ambiguous failure: %s unsure=%v, want pending and unsure", it.State, it.Unsure)
	}
	v.clock.Set("2026-06-02T10:00:00Z") // past any backoff
	v.flush(t)
	it := v.items(t)[id]
	if it.State != store.Sent || it.Ref != "found-"+id || it.Unsure {
		t.Fatalf("after the retry: %+v, want sent with the ref found in the history", it)
	}
	if n := p.count(id); n != 1 {
		t.Fatalf("the platform holds %d messages for the nudge, want 1", n)
	}
	if p.lookups != 1 || p.posts != 1 {
		t.Errorf("%d history lookups and %d posts, want 1 and 1", p.lookups, p.posts)
	}
}

// An unsure nudge the history does not hold is sent again, once.
func TestDelivery_AmbiguousFailureThatDidNotPostIsSentAgain(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	p := newPlatform()
	p.fail = func(n int, _ nudges.Message) (bool, error) {
		if n == 1 {
			return false, bot.Unknown(errors.New("timeout"))
		}
		return true, nil
	}
	v.e = bot.New(v.cfg, v.st, p, bot.Options{Now: v.clock.Now})
	id := queue(t, v, nudges.KindCheckIn)[0]
	v.flush(t)
	v.clock.Set("2026-06-02T10:00:00Z")
	v.flush(t)
	if it := v.items(t)[id]; it.State != store.Sent || it.Unsure || it.Attempts != 2 {
		t.Fatalf("after the retry: %+v, want sent on the second attempt", it)
	}
	if n := p.count(id); n != 1 {
		t.Fatalf("the platform holds %d messages for the nudge, want 1", n)
	}
}

// blockingChat holds every send until released, one worker at a time.
type blockingChat struct {
	started chan string
	release chan struct{}
	mu      sync.Mutex
	sent    []string
	ctxErr  []error // each send's context error when it was released
}

func (b *blockingChat) Sequential() bool { return true }

func (b *blockingChat) Send(ctx context.Context, _ bot.Recipient, m nudges.Message) (string, error) {
	b.started <- m.Nudge
	<-b.release
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m.Nudge)
	b.ctxErr = append(b.ctxErr, ctx.Err())
	return "ref-" + m.Nudge, nil
}

// A shutdown in the middle of a fan-out: the send on the wire finishes
// (its context is not the run's) and is recorded as sent; nudges not yet
// sent stay queued with no attempt counted, so nothing is posted twice and
// nothing is lost.
func TestDelivery_ShutdownLetsTheSendInFlightFinish(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	c := &blockingChat{started: make(chan string), release: make(chan struct{})}
	v.e = bot.New(v.cfg, v.st, c, bot.Options{Now: v.clock.Now})
	ids := queue(t, v, nudges.KindCheckIn, nudges.KindPledge, nudges.KindAssignment)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := v.e.Dispatch(ctx); done <- err }()
	first := <-c.started // one send is on the wire
	stop()               // SIGTERM
	close(c.release)
	if err := <-done; err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	if len(c.sent) != 1 || c.ctxErr[0] != nil {
		t.Fatalf("sent %v with context errors %v: want only the send in flight, its context alive", c.sent, c.ctxErr)
	}
	items := v.items(t)
	if it := items[first]; it.State != store.Sent {
		t.Fatalf("the send in flight is recorded as %s, want sent", it.State)
	}
	for _, id := range ids {
		if id == first {
			continue
		}
		if it := items[id]; it.State != store.Pending || it.Attempts != 0 {
			t.Errorf("a nudge not yet sent is %s with %d attempts, want pending with none", it.State, it.Attempts)
		}
	}
}

// Deliveries that keep failing are retried for engine.retry_for (12h by
// default), not a fixed number of times; then they fail with the reason,
// and an admin can queue them again.
func TestDelivery_RetriedUntilTheHorizonThenAdminRetry(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	down := true
	p := newPlatform()
	p.fail = func(int, nudges.Message) (bool, error) {
		if down {
			return false, errors.New("connection refused")
		}
		return true, nil
	}
	v.e = bot.New(v.cfg, v.st, p, bot.Options{Now: v.clock.Now})
	id := queue(t, v, nudges.KindCheckIn)[0]
	start := v.clock.Now()
	for h := 0; h <= 11; h++ {
		v.clock.SetTime(start.Add(time.Duration(h) * time.Hour))
		v.flush(t)
		if it := v.items(t)[id]; it.State != store.Pending {
			t.Fatalf("after %dh of failures: %s %q, want still pending", h, it.State, it.Reason)
		}
	}
	for h := 12; h <= 13 && v.items(t)[id].State == store.Pending; h++ {
		v.clock.SetTime(start.Add(time.Duration(h)*time.Hour + 10*time.Minute))
		v.flush(t)
	}
	it := v.items(t)[id]
	if it.State != store.Failed || !strings.Contains(it.Reason, "gave up after 12h") || !strings.Contains(it.Reason, "connection refused") {
		t.Fatalf("past the horizon: %s %q, want failed with the reason", it.State, it.Reason)
	}
	if it.Attempts <= 8 {
		t.Errorf("%d attempts over 12 hours: retries stopped early", it.Attempts)
	}
	down = false
	n, err := v.e.RetryFailed(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("retry failed = %d, %v; want 1", n, err)
	}
	v.flush(t)
	if it := v.items(t)[id]; it.State != store.Sent {
		t.Fatalf("after an admin's retry: %s %q, want sent", it.State, it.Reason)
	}
	if c, _ := v.st.Counts(); c[store.Failed] != 0 || c[store.Sent] != 1 {
		t.Errorf("counts %v: status disagrees with what was posted", c)
	}
}

// pacedChat sends at a pace of one message every few seconds, and notes
// how many items were claimed (sending) each time it is called.
type pacedChat struct {
	st       *store.Store
	mu       sync.Mutex
	inFlight []int
}

func (p *pacedChat) Capacity(time.Duration) int { return 1 }

func (p *pacedChat) Send(_ context.Context, _ bot.Recipient, m nudges.Message) (string, error) {
	c, err := p.st.Counts()
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.inFlight = append(p.inFlight, int(c[store.Sending]))
	p.mu.Unlock()
	return "ref-" + m.Nudge, nil
}

// The engine claims no more than the platform can send in a few seconds:
// what a crash leaves in flight, to be checked against the history, stays
// that small, however many workers there are.
func TestDelivery_ClaimsOnlyWhatThePaceAllows(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	p := &pacedChat{st: v.st}
	v.e = bot.New(v.cfg, v.st, p, bot.Options{Now: v.clock.Now})
	queue(t, v, nudges.KindCheckIn, nudges.KindPledge, nudges.KindAssignment, nudges.KindSummary)
	v.flush(t)
	if len(p.inFlight) < 4 {
		t.Fatalf("%d sends, want at least 4", len(p.inFlight))
	}
	// Sending counts items claimed, and items sent whose outcome is still
	// to be recorded (a group commit later): at the i-th send at most i of
	// those are done.
	for i, n := range p.inFlight {
		if n-i > 1 {
			t.Errorf("send %d: %d items claimed and not yet sent, want at most 1 (the platform's capacity)", i, n-i)
		}
	}
}

// A nudge whose posts keep ending without a clear answer is looked up
// again within a minute each time, however many attempts it has had: the
// next step is a read of the history, and waiting out the exponential
// backoff of a resend (minutes by the eighth attempt) only delays a nudge
// the platform may already show.
func TestDelivery_UnsureIsCheckedWithinAMinuteAfterManyAttempts(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	p := newPlatform()
	p.fail = func(int, nudges.Message) (bool, error) {
		return false, bot.Unknown(errors.New("503 before the message was stored"))
	}
	v.e = bot.New(v.cfg, v.st, p, bot.Options{Now: v.clock.Now})
	id := queue(t, v, nudges.KindCheckIn)[0]
	v.flush(t)
	for range 8 {
		it := v.items(t)[id]
		if it.State != store.Pending || !it.Unsure {
			t.Fatalf("after attempt %d: %s unsure=%v, want pending and unsure", it.Attempts, it.State, it.Unsure)
		}
		if wait := it.NextAttempt.Sub(v.clock.Now()); wait > time.Minute {
			t.Fatalf("after attempt %d: next look in %s, want within a minute", it.Attempts, wait)
		}
		v.clock.SetTime(it.NextAttempt)
		v.flush(t)
	}
	if it := v.items(t)[id]; it.Attempts < 9 || p.lookups < 8 || p.count(id) != 0 {
		t.Fatalf("%d attempts, %d lookups, %d messages: want each unsure post looked up, then sent again", it.Attempts, p.lookups, p.count(id))
	}
}
