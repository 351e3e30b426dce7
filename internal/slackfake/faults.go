package slackfake

import "time"

// Faults a request can be given instead of (or besides) its answer.
const (
	FaultBefore      = "5xx-before" // 500, and the call did not take effect
	FaultAfter       = "503-after"  // the call took effect (a message is stored), then 503: Slack's ambiguous failure
	FaultRateLimited = "429"        // 429 with Retry-After although the buckets had room
	FaultSlow        = "slow"       // the answer comes only after Fault.Delay, the call having taken effect
)

// Fault gives the fractions of a method's calls (those within the limits)
// that get each fault. Before, After and RateLimited exclude one another
// (their sum is at most 1); Slow is drawn separately and applies to calls
// that took effect.
type Fault struct {
	Before, After, RateLimited float64
	Slow                       float64
	Delay                      time.Duration // how late a slow answer comes
	RetryAfter                 time.Duration // announced with an injected 429 (at least 1 s, the default)
}

// Faults are drawn from a random source seeded with Seed, so a run with
// the same requests in the same order gets the same faults.
type Faults struct {
	Seed    uint64
	All     Fault            // every method's, unless Methods names it
	Methods map[string]Fault // a method's own (replacing All)
}

func (f *Server) faultFor(method string) Fault {
	if ft, ok := f.opt.Faults.Methods[method]; ok {
		return ft
	}
	return f.opt.Faults.All
}

// draw picks the fault of one call ("" for none) and whether it is slow.
// It always draws twice, so one method's settings do not shift the
// sequence another method sees.
func (f *Server) draw(method string) (string, bool) {
	ft := f.faultFor(method)
	u, v := f.rng.Float64(), f.rng.Float64()
	slow := v < ft.Slow && ft.Delay > 0
	switch {
	case u < ft.RateLimited:
		return FaultRateLimited, false
	case u < ft.RateLimited+ft.Before:
		return FaultBefore, false
	case u < ft.RateLimited+ft.Before+ft.After:
		return FaultAfter, slow
	}
	return "", slow
}
