package slack

import "time"

// Drain waits until the work that followed the acknowledgements seen so
// far is done, and the message updates it asked for were sent or refused, so a test can look at its effects without sleeping.
func Drain(a *Adapter) { a.work.Wait(); a.updates.pending.Wait() }

// DrainInbound waits for the work that followed the acknowledgements,
// but not for the message updates it queued.
func DrainInbound(a *Adapter) { a.work.Wait() }

// SetPingInterval changes how long Socket Mode waits for Slack's pings
// before reconnecting; the fake server never pings.
func SetPingInterval(a *Adapter, d time.Duration) { a.pingInterval = d }

// ShortenListRetry makes a failed users.list page be asked again at once
// (its pace still applies), until the test ends.
func ShortenListRetry(t interface{ Cleanup(func()) }) {
	old := listRetry
	listRetry = func(int) time.Duration { return 0 }
	t.Cleanup(func() { listRetry = old })
}
