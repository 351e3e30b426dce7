package slack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot"
)

func TestDeliveryError(t *testing.T) {
	// want: permanent (its reason), wait, unknown, notsent or retry (a
	// plain error: backoff).
	for _, tc := range []struct {
		name   string
		err    error
		wrote  bool // the request went out
		want   string
		reason string        // a permanent failure's reason
		wait   time.Duration // a RetryAfterError's wait
	}{
		{"RetryAfter", &slack.RateLimitedError{RetryAfter: 7 * time.Second}, true, "wait", "", 7 * time.Second},
		{"RetryAfterZero", &slack.RateLimitedError{}, true, "wait", "", minRetryAfter},
		{"Bare429", slack.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}, true, "wait", "", bareRetryAfter},
		{"RatelimitedBody", slack.SlackErrorResponse{Err: "ratelimited"}, true, "wait", "", bareRetryAfter},
		{"ServerErrorAfterWrite", slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, true, "unknown", "", 0},
		{"GatewayTimeout", slack.StatusCodeError{Code: 504, Status: "504 Gateway Timeout"}, true, "unknown", "", 0},
		{"InternalError", slack.SlackErrorResponse{Err: "internal_error"}, true, "unknown", "", 0},
		{"ServiceUnavailableBody", slack.SlackErrorResponse{Err: "service_unavailable"}, true, "retry", "", 0},
		{"DialRefused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false, "retry", "", 0},
		{"ResetAfterWrite", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true, "unknown", "", 0},
		{"CancelledOnTheWire", context.Canceled, true, "unknown", "", 0},
		{"CancelledBeforeWrite", context.Canceled, false, "notsent", "", 0},
		{"StoppingBeforeTurn", errStopping, false, "notsent", "", 0},
		{"ChannelNotFound", slack.SlackErrorResponse{Err: "channel_not_found"}, true, "permanent", "channel_not_found", 0},
		{"NotInChannel", slack.SlackErrorResponse{Err: "not_in_channel"}, true, "permanent", "not_in_channel", 0},
		{"IsArchived", slack.SlackErrorResponse{Err: "is_archived"}, true, "permanent", "is_archived", 0},
		{"MsgTooLong", slack.SlackErrorResponse{Err: "msg_too_long"}, true, "permanent", "msg_too_long", 0},
		{"InvalidAuth", slack.SlackErrorResponse{Err: "invalid_auth"}, true, "permanent", "invalid_auth", 0},
		{"Wrapped", fmt.Errorf("chat.postMessage to C1: %w", slack.SlackErrorResponse{Err: "restricted_action"}), true, "permanent", "restricted_action", 0},
		{"NotFoundStatus", slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, true, "permanent", "http_404", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := deliveryError(tc.err, tc.wrote)
			var perm *bot.PermanentError
			var ra *bot.RetryAfterError
			var unk *bot.UnknownError
			var ns *bot.NotSentError
			kind := "retry"
			switch {
			case errors.As(got, &perm):
				kind = "permanent"
			case errors.As(got, &ra):
				kind = "wait"
			case errors.As(got, &ns):
				kind = "notsent"
			case errors.As(got, &unk):
				kind = "unknown"
			}
			if kind != tc.want {
				t.Fatalf("deliveryError(%v, wrote=%v) = %v (%s), want %s", tc.err, tc.wrote, got, kind, tc.want)
			}
			if tc.reason != "" && perm.Reason != tc.reason {
				t.Errorf("permanent reason = %q, want %q", perm.Reason, tc.reason)
			}
			if tc.wait != 0 && ra.After != tc.wait {
				t.Errorf("wait = %s, want %s", ra.After, tc.wait)
			}
			if !errors.Is(got, tc.err) && !errors.As(got, new(slack.SlackErrorResponse)) {
				t.Errorf("deliveryError(%v) lost the cause", tc.err)
			}
		})
	}
}

func TestConnectFailure(t *testing.T) {
	for _, tc := range []struct {
		err   error
		fatal bool
	}{
		{slack.SlackErrorResponse{Err: "invalid_auth"}, true},
		{slack.SlackErrorResponse{Err: "not_allowed_token_type"}, true},
		{errors.New("token_revoked"), true},
		{slack.StatusCodeError{Code: 404}, true},
		{slack.StatusCodeError{Code: 502}, false},
		{&slack.RateLimitedError{RetryAfter: time.Second}, false},
		{errors.New("ping timeout"), false},
		{nil, false},
	} {
		if got := connectFailure(tc.err) != ""; got != tc.fatal {
			t.Errorf("connectFailure(%v) fatal = %v, want %v", tc.err, got, tc.fatal)
		}
	}
}
