package teams

import (
	"net/http"
	"testing"
	"time"
)

// TestRetryAfter: Teams' Retry-After in seconds or as a date is waited out
// in full, at least a second when absent or unreadable, at most ten
// minutes when absurd.
func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]time.Duration{
		"3": 3 * time.Second, "0": time.Second, "": time.Second, "soon": time.Second,
		"86400": 10 * time.Minute,
	} {
		if got := retryAfter(h); got != want {
			t.Errorf("Retry-After %q: %s, want %s", h, got, want)
		}
	}
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	date := now.Add(90 * time.Second).Format(http.TimeFormat)
	if got := retryAfterAt(date, now); got != 90*time.Second {
		t.Errorf("Retry-After %q: %s, want 90s", date, got)
	}
}
