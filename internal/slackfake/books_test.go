package slackfake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/internal/slackfake"
)

func TestHistory_PagesNewestFirstWithMetadataOnlyWhenAsked(t *testing.T) {
	f, api, c := start(t, slackfake.Options{Users: users(1)})
	var first string
	for i := range 5 {
		_, ts, err := post(api, "U00000", fmt.Sprint("n", i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			first = ts
		}
		c.Add(time.Second)
	}
	ctx := context.Background()
	p := &slack.GetConversationHistoryParameters{ChannelID: "D00000", Oldest: first, Inclusive: true, Limit: 2, IncludeAllMetadata: true}
	var got []string
	for pages := 1; ; pages++ {
		r, err := api.GetConversationHistoryContext(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Messages {
			got = append(got, fmt.Sprint(m.Metadata.EventPayload["nudge_id"]))
		}
		if !r.HasMore {
			if pages != 2 {
				t.Fatalf("%d pages, want 2", pages)
			}
			break
		}
		p.Cursor = r.ResponseMetaData.NextCursor
	}
	if fmt.Sprint(got) != "[n4 n3 n2 n1]" {
		t.Fatalf("history from the second message, inclusive: %v", got)
	}

	p = &slack.GetConversationHistoryParameters{ChannelID: "D00000", Oldest: first, Limit: 10}
	r, err := api.GetConversationHistoryContext(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) != 3 || r.HasMore {
		t.Fatalf("exclusive of oldest: %d messages (has_more %v), want 3", len(r.Messages), r.HasMore)
	}
	for _, m := range r.Messages {
		if m.Metadata.EventType != "" {
			t.Fatalf("metadata %+v returned without include_all_metadata", m.Metadata)
		}
	}
	if f.Snapshot().Calls["conversations.history"] != 3 {
		t.Fatalf("calls %v", f.Snapshot().Calls)
	}
}

func TestFaults_AmbiguousFailureStoresTheMessage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  slackfake.Fault
		status int
		stored int
	}{
		{"AfterTakingEffect", slackfake.Fault{After: 1}, http.StatusServiceUnavailable, 1},
		{"BeforeTakingEffect", slackfake.Fault{Before: 1}, http.StatusInternalServerError, 0},
		{"RateLimited", slackfake.Fault{RateLimited: 1}, http.StatusTooManyRequests, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, api, _ := start(t, slackfake.Options{Users: users(1),
				Faults: slackfake.Faults{Methods: map[string]slackfake.Fault{"chat.postMessage": tc.fault}}})
			_, _, err := post(api, "U00000", "n1")
			var sc slack.StatusCodeError
			var rl *slack.RateLimitedError
			switch {
			case errors.As(err, &sc) && sc.Code == tc.status:
			case errors.As(err, &rl) && tc.status == http.StatusTooManyRequests:
			default:
				t.Fatalf("got %v, want HTTP %d", err, tc.status)
			}
			s := f.Snapshot()
			if s.Nudges["n1"] != tc.stored || len(f.Messages("D00000")) != tc.stored {
				t.Fatalf("stored %d, want %d", s.Nudges["n1"], tc.stored)
			}
			// Other methods are not touched.
			if _, err := api.AuthTest(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFaults_SameSeedSameFaults(t *testing.T) {
	run := func() string {
		_, api, _ := start(t, slackfake.Options{Users: users(1), Faults: slackfake.Faults{Seed: 7,
			All: slackfake.Fault{Before: 0.2, After: 0.2, RateLimited: 0.1}}})
		out := ""
		for range 40 {
			_, err := api.AuthTest()
			out += strconv.FormatBool(err == nil)
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
}

func TestUsers_ListPagesLookupAndInfo(t *testing.T) {
	_, api, _ := start(t, slackfake.Options{Users: users(250)})
	ctx := context.Background()
	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(100))
	var pages, n int
	for {
		var err error
		p, err = p.Next(ctx)
		if p.Done(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(p.Users)
	}
	if pages != 3 || n != 250 {
		t.Fatalf("%d pages of %d users, want 3 of 250", pages, n)
	}
	u, err := api.GetUserByEmailContext(ctx, "USER42@example.com")
	if err != nil || u.ID != "U00042" {
		t.Fatalf("lookup by email: %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmailContext(ctx, "nobody@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Fatalf("unknown email: %v", err)
	}
	u, err = api.GetUserInfoContext(ctx, "U00007")
	if err != nil || u.TZ != "Europe/London" || u.Profile.Email != "user7@example.com" {
		t.Fatalf("users.info: %+v, %v", u, err)
	}
}

func TestUpdateAndViews(t *testing.T) {
	f, api, _ := start(t, slackfake.Options{Users: users(1)})
	ch, ts, err := post(api, "U00000", "n1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage(ch, ts, slack.MsgOptionText("answered", false)); err != nil {
		t.Fatal(err)
	}
	if m := f.Messages(ch)[0]; m.Text != "answered" || m.Updates != 1 || m.Nudge != "n1" {
		t.Fatalf("after update: %+v", m)
	}
	if _, _, _, err := api.UpdateMessage(ch, "1.000001", slack.MsgOptionText("x", false)); err == nil {
		t.Fatal("update of a missing message succeeded")
	}
	// views.* are sent as JSON with a Bearer token.
	if _, err := api.PublishView("U00000", slack.HomeTabViewRequest{Type: slack.VTHomeTab}, ""); err != nil {
		t.Fatal(err)
	}
}

func TestTally(t *testing.T) {
	s := slackfake.Snapshot{Nudges: map[string]int{"a": 1, "b": 3, "x": 2}}
	got := s.Tally([]string{"a", "b", "c"})
	want := slackfake.Tally{Expected: 3, Delivered: 2, Lost: 1, Duplicated: 1, Extra: 3, Unknown: 1}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestViolations(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	limit := slackfake.RateLimit{Request: 0, Method: "chat.postMessage", Channel: "D1",
		Written: at(0), Received: at(10), RetryAfter: time.Second, NotBefore: at(1000)}
	for _, tc := range []struct {
		name string
		req  slackfake.Request
		want int
	}{
		{"SentBeforeTheClientKnew", slackfake.Request{Seq: 1, Method: "chat.postMessage", Channel: "D1", Sent: at(5), Received: at(20)}, 0},
		{"SentWhileTold", slackfake.Request{Seq: 1, Method: "chat.postMessage", Channel: "D1", Sent: at(11), Received: at(12)}, 1},
		{"SentAfterRetryAfter", slackfake.Request{Seq: 1, Method: "chat.postMessage", Channel: "D1", Sent: at(1000), Received: at(1001)}, 0},
		{"OtherChannel", slackfake.Request{Seq: 1, Method: "chat.postMessage", Channel: "D2", Sent: at(500), Received: at(501)}, 0},
		{"OtherMethod", slackfake.Request{Seq: 1, Method: "chat.update", Channel: "D1", Sent: at(500), Received: at(501)}, 0},
		{"UnstampedJudgedOnArrival", slackfake.Request{Seq: 1, Method: "chat.postMessage", Channel: "D1", Received: at(999)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := slackfake.Snapshot{RateLimits: []slackfake.RateLimit{limit}, Requests: []slackfake.Request{
				{Seq: 0, Method: "chat.postMessage", Channel: "D1", Sent: at(-1), Received: at(0), Status: 429}, tc.req}}
			if got := len(s.Violations()); got != tc.want {
				t.Fatalf("%d violations, want %d", got, tc.want)
			}
		})
	}
	t.Run("WorkspaceScopeCoversEveryChannel", func(t *testing.T) {
		ws := limit
		ws.Channel = ""
		s := slackfake.Snapshot{RateLimits: []slackfake.RateLimit{ws}, Requests: []slackfake.Request{
			{Seq: 1, Method: "chat.postMessage", Channel: "D9", Sent: at(500), Received: at(501)}}}
		if got := len(s.Violations()); got != 1 {
			t.Fatalf("%d violations, want 1", got)
		}
	})
}
