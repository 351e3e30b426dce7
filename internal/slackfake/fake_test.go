package slackfake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/internal/slackfake"
)

// clock is a clock the test moves by hand: buckets refill only when it
// does, so nothing here depends on how fast the machine runs.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func users(n int) []slackfake.User {
	out := make([]slackfake.User, n)
	for i := range out {
		out[i] = slackfake.User{ID: fmt.Sprintf("U%05d", i), Name: fmt.Sprintf("user%d", i),
			Email: fmt.Sprintf("user%d@example.com", i), TZ: "Europe/London"}
	}
	return out
}

// start returns a fake on the test's clock and a slack-go client of it
// that stamps its requests.
func start(t *testing.T, opt slackfake.Options) (*slackfake.Server, *slack.Client, *clock) {
	t.Helper()
	c := newClock()
	opt.Now = c.Now
	f := slackfake.New(opt)
	t.Cleanup(f.Close)
	api := slack.New(slackfake.Token, slack.OptionAPIURL(f.URL()),
		slack.OptionHTTPClient(&http.Client{Transport: f.Transport(nil)}))
	return f, api, c
}

func post(api *slack.Client, channel, nudge string) (string, string, error) {
	return api.PostMessageContext(context.Background(), channel, slack.MsgOptionText("nudge "+nudge, false),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "nudgebot_nudge", EventPayload: map[string]any{"nudge_id": nudge}}))
}

func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("got %v, want a 429 with Retry-After", err)
	}
	return rl.RetryAfter
}

func TestPostMessage_ToUserGoesToDM(t *testing.T) {
	f, api, _ := start(t, slackfake.Options{Users: users(2)})
	ch, ts, err := post(api, "U00001", "n1")
	if err != nil {
		t.Fatal(err)
	}
	if ch != "D00001" || ts == "" {
		t.Fatalf("posted to %q at %q, want D00001 and a ts", ch, ts)
	}
	msgs := f.Messages("D00001")
	if len(msgs) != 1 || msgs[0].Nudge != "n1" || msgs[0].Metadata.EventType != "nudgebot_nudge" {
		t.Fatalf("stored %+v", msgs)
	}
	if _, _, err := post(api, "U99999", "n2"); err == nil || err.Error() != "channel_not_found" {
		t.Fatalf("post to an unknown user: %v, want channel_not_found", err)
	}
}

func TestAuth_WrongTokenRefused(t *testing.T) {
	f, _, _ := start(t, slackfake.Options{})
	api := slack.New("xoxb-wrong", slack.OptionAPIURL(f.URL()))
	if _, err := api.AuthTest(); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("auth.test with a wrong token: %v, want invalid_auth", err)
	}
	ok := slack.New(slackfake.Token, slack.OptionAPIURL(f.URL()))
	if r, err := ok.AuthTest(); err != nil || r.UserID != slackfake.BotUserID {
		t.Fatalf("auth.test: %+v, %v", r, err)
	}
}

func TestLimits_ChannelBucketAnswers429UntilItsRetryAfter(t *testing.T) {
	lim := slackfake.Slack(50, 3)
	lim.Workspace.Burst = 50 // only the channel's bucket runs out here
	f, api, c := start(t, slackfake.Options{Users: users(2), Limits: lim})
	for i := range 3 {
		if _, _, err := post(api, "U00000", fmt.Sprint("a", i)); err != nil {
			t.Fatalf("post %d of a burst of 3: %v", i, err)
		}
	}
	if d := retryAfter(t, func() error { _, _, err := post(api, "U00000", "a3"); return err }()); d != time.Second {
		t.Fatalf("Retry-After %s, want 1s", d)
	}
	// Another channel has its own bucket.
	if _, _, err := post(api, "U00001", "b0"); err != nil {
		t.Fatalf("post to another channel: %v", err)
	}
	// Half a second on, the bucket has half a token and the announced
	// second has not passed: 429 again, announcing the rest rounded up.
	c.Add(500 * time.Millisecond)
	if d := retryAfter(t, func() error { _, _, err := post(api, "D00000", "a4"); return err }()); d != time.Second {
		t.Fatalf("Retry-After %s, want 1s", d)
	}
	// 1.1 s after the first 429 the bucket holds a token, but the fake
	// announced 1 s from the second 429: it keeps to that.
	c.Add(600 * time.Millisecond)
	if _, _, err := post(api, "U00000", "a5"); err == nil {
		t.Fatal("a post before the announced Retry-After went through")
	}
	c.Add(time.Second)
	if _, _, err := post(api, "U00000", "a6"); err != nil {
		t.Fatalf("post after the Retry-After: %v", err)
	}
	s := f.Snapshot()
	if s.Limited() != 3 || len(s.RateLimits) != 3 || s.RateLimits[0].Channel != "D00000" {
		t.Fatalf("429s: %d, %+v", s.Limited(), s.RateLimits)
	}
	if v := s.Violations(); len(v) != 2 {
		t.Fatalf("violations %d, want 2 (the posts sent while told to wait): %+v", len(v), v)
	}
}

func TestLimits_WorkspaceAndTier(t *testing.T) {
	lim := slackfake.Slack(2, 1)
	f, api, _ := start(t, slackfake.Options{Users: users(5), Limits: lim})
	if _, _, err := post(api, "U00000", "n0"); err != nil {
		t.Fatal(err)
	}
	// 2/s with bursts of 1: half a second to the next token, announced as 1 s.
	if d := retryAfter(t, func() error { _, _, err := post(api, "U00001", "n1"); return err }()); d != time.Second {
		t.Fatalf("workspace Retry-After %s, want 1s", d)
	}
	// Tier 3: 50/min, burst 1: the next token in 1.2 s, announced as 2 s.
	ctx := context.Background()
	open := func(u string) error {
		_, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{u}})
		return err
	}
	if err := open("U00002"); err != nil {
		t.Fatal(err)
	}
	if d := retryAfter(t, open("U00003")); d != 2*time.Second {
		t.Fatalf("Tier-3 Retry-After %s, want 2s", d)
	}
	s := f.Snapshot()
	if got := [3]string{s.RateLimits[0].Method, s.RateLimits[0].Channel, s.RateLimits[1].Method}; got != [3]string{"chat.postMessage", "", "conversations.open"} {
		t.Fatalf("scopes %v", got)
	}
}

// users.conversations lists only the DMs that exist (opened, or posted
// to), in pages, and is held to Tier 3 like Slack's.
func TestUsersConversations_ListsTheDMsThatExist(t *testing.T) {
	f, api, _ := start(t, slackfake.Options{Users: users(5), Limits: slackfake.Slack(50, 3)})
	ctx := context.Background()
	if _, _, err := post(api, "U00003", "n1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := post(api, "U00003", "n2"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U00001"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		chans, next, err := api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{Types: []string{"im"}, Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, c := range chans {
			got = append(got, c.ID+"="+c.User)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if fmt.Sprint(got) != "[D00003=U00003 D00001=U00001]" {
		t.Fatalf("listed %v, want the DM posted to, then the one opened", got)
	}
	if chans, _, err := api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{Types: []string{"public_channel"}}); err != nil || len(chans) != 0 {
		t.Fatalf("public channels: %v, %v; the fake has none", chans, err)
	}
	// Tier 3 with bursts of 3: the three calls above took the bucket.
	if _, _, err := api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{Types: []string{"im"}}); retryAfter(t, err) <= 0 {
		t.Fatal("a fourth call at once: want a 429")
	}
	if c := f.Snapshot().Calls["users.conversations"]; c != 4 {
		t.Fatalf("%d calls counted, want 4", c)
	}
}
