package slack

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/slack-go/slack"
)

func TestUpdateVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want updateOutcome
	}{
		{"OK", nil, updateSent},
		{"RateLimited", &slack.RateLimitedError{RetryAfter: 2}, updateRetry},
		{"BareTooManyRequests", slack.StatusCodeError{Code: 429, Status: "429"}, updateRetry},
		{"HeldPastDeadline", errHeld, updateRetry},
		{"ServerError", slack.StatusCodeError{Code: 500, Status: "500"}, updateRetryLater},
		{"Unavailable", slack.StatusCodeError{Code: 503, Status: "503"}, updateRetryLater},
		{"RequestTimeout", slack.StatusCodeError{Code: 408, Status: "408"}, updateRetryLater},
		{"Network", &url.Error{Op: "Post", URL: "https://slack.com/api/chat.update", Err: errors.New("connection reset")}, updateRetryLater},
		{"Deadline", context.DeadlineExceeded, updateRetryLater},
		{"InternalError", slack.SlackErrorResponse{Err: "internal_error"}, updateRetryLater},
		{"MessageNotFound", slack.SlackErrorResponse{Err: "message_not_found"}, updateGiveUp},
		{"CantUpdate", slack.SlackErrorResponse{Err: "cant_update_message"}, updateGiveUp},
		{"ChannelNotFound", slack.SlackErrorResponse{Err: "channel_not_found"}, updateGiveUp},
		{"EditWindowClosed", slack.SlackErrorResponse{Err: "edit_window_closed"}, updateGiveUp},
		{"BadRequest", slack.StatusCodeError{Code: 400, Status: "400"}, updateGiveUp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := updateVerdict(tc.err); got != tc.want {
				t.Errorf("updateVerdict(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
