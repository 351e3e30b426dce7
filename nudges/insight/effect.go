package insight

import (
	"cmp"
	"math"
	"slices"

	"github.com/nudgebot/nudgebot/nudges"
)

// z95 is the normal quantile of a two-sided 95 % interval.
const z95 = 1.959964

type cadenceAgg struct {
	key                 cadenceKey
	kind                nudges.Kind
	delivered, answered int
	followed            int // delivered nudges a first application followed
	seen                int // nudges in the range: none, and the cadence is not reported
	useful, notUseful   int
	// latency holds the seconds from delivery to first answer: sorted up
	// to sorted, then as they came, merged in at the next report.
	latency []int32
	sorted  int
	skips   map[string]int
}

// medianLatency merges the latencies added since the last report into
// the sorted ones, in place, and returns the median.
func (c *cadenceAgg) medianLatency() int64 {
	head, tail := c.latency[:c.sorted], slices.Clone(c.latency[c.sorted:])
	slices.Sort(tail)
	// Merge from the back: the larger of the two ends goes last.
	i, j := len(head)-1, len(tail)-1
	for k := len(c.latency) - 1; j >= 0; k-- {
		if i >= 0 && head[i] > tail[j] {
			c.latency[k] = head[i]
			i--
		} else {
			c.latency[k] = tail[j]
			j--
		}
	}
	c.sorted = len(c.latency)
	return median(c.latency)
}

// Wilson is the Wilson score interval for k successes in n trials: unlike
// the textbook p ± z·se it stays inside 0–1 and is honest for the handful
// of ratings a new nudge has.
func Wilson(k, n int) Interval {
	if n <= 0 {
		return Interval{}
	}
	p, nf, z2 := float64(k)/float64(n), float64(n), z95*z95
	den := 1 + z2/nf
	mid := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return Interval{Value: p, Low: math.Max(0, mid-half), High: math.Min(1, mid+half)}
}

// median of sorted values.
func median(s []int32) int64 {
	if len(s) == 0 {
		return 0
	}
	n := len(s)
	if n%2 == 1 {
		return int64(s[n/2])
	}
	return (int64(s[n/2-1]) + int64(s[n/2])) / 2
}

func (b *Book) effects() []Effect {
	out := make([]Effect, 0, len(b.cadList))
	for _, c := range b.cadList {
		if c.seen == 0 {
			continue // its only nudges are dated after the range, for now
		}
		out = append(out, Effect{Cadence: c.key.cadence, Script: c.key.script, Kind: c.kind, Delivered: c.delivered,
			Answered: c.answered, AnswerRate: ratio(c.answered, c.delivered), MedianAnswer: c.medianLatency(),
			Useful: c.useful, NotUseful: c.notUseful, UsefulShare: Wilson(c.useful, c.useful+c.notUseful),
			Skips: rankCounts(c.skips), FollowedBy: ratio(c.followed, c.delivered)})
	}
	slices.SortFunc(out, func(a, b Effect) int {
		return cmp.Or(cmp.Compare(a.Cadence, b.Cadence), cmp.Compare(a.Script, b.Script))
	})
	return out
}
