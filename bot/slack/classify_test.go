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
	for _, tc := range []struct {
		name   string
		err    error
		reason string        // a permanent failure's reason
		wait   time.Duration // a RetryAfterError's wait
	}{
		{"RetryAfter", &slack.RateLimitedError{RetryAfter: 7 * time.Second}, "", 7 * time.Second},
		{"RetryAfterZero", &slack.RateLimitedError{}, "", minRetryAfter},
		{"Bare429", slack.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}, "", bareRetryAfter},
		{"RatelimitedBody", slack.SlackErrorResponse{Err: "ratelimited"}, "", bareRetryAfter},
		{"ServerError", slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, "", 0},
		{"InternalError", slack.SlackErrorResponse{Err: "internal_error"}, "", 0},
		{"Network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, "", 0},
		{"Cancelled", context.Canceled, "", 0},
		{"ChannelNotFound", slack.SlackErrorResponse{Err: "channel_not_found"}, "channel_not_found", 0},
		{"NotInChannel", slack.SlackErrorResponse{Err: "not_in_channel"}, "not_in_channel", 0},
		{"IsArchived", slack.SlackErrorResponse{Err: "is_archived"}, "is_archived", 0},
		{"MsgTooLong", slack.SlackErrorResponse{Err: "msg_too_long"}, "msg_too_long", 0},
		{"InvalidAuth", slack.SlackErrorResponse{Err: "invalid_auth"}, "invalid_auth", 0},
		{"Wrapped", fmt.Errorf("chat.postMessage to C1: %w", slack.SlackErrorResponse{Err: "restricted_action"}), "restricted_action", 0},
		{"NotFoundStatus", slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, "http_404", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := deliveryError(tc.err)
			var perm *bot.PermanentError
			var ra *bot.RetryAfterError
			switch {
			case tc.reason != "":
				if !errors.As(got, &perm) || perm.Reason != tc.reason {
					t.Errorf("deliveryError(%v) = %v, want permanent %s", tc.err, got, tc.reason)
				}
			case tc.wait != 0:
				if !errors.As(got, &ra) || ra.After != tc.wait {
					t.Errorf("deliveryError(%v) = %v, want retry after %s", tc.err, got, tc.wait)
				}
			default:
				if errors.As(got, &perm) || errors.As(got, &ra) {
					t.Errorf("deliveryError(%v) = %v, want a plain error (backoff)", tc.err, got)
				}
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
