package insight

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/nudgebot/nudgebot/nudges"
)

// z95 is the normal quantile of a two-sided 95 % interval.
const z95 = 1.959964

type cadenceAgg struct {
	key                 cadenceKey
	kind                nudges.Kind
	delivered, answered int
	useful, notUseful   int
	latency             []int32 // seconds from delivery to first answer
	skips               map[string]int
	sentDays            []sentDay
}

type sentDay struct {
	day     nudges.Date
	manager int32
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

func median(xs []int32) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return int64(s[n/2])
	}
	return (int64(s[n/2-1]) + int64(s[n/2])) / 2
}

func (b *Book) effects(applied map[int32][]nudges.Date) []Effect {
	out := make([]Effect, 0, len(b.cadList))
	for _, c := range b.cadList {
		e := Effect{Cadence: c.key.cadence, Script: c.key.script, Kind: c.kind, Delivered: c.delivered,
			Answered: c.answered, AnswerRate: ratio(c.answered, c.delivered), MedianAnswer: median(c.latency),
			Useful: c.useful, NotUseful: c.notUseful, UsefulShare: Wilson(c.useful, c.useful+c.notUseful),
			Skips: rankCounts(c.skips)}
		followed := 0
		for _, s := range c.sentDays {
			ds := applied[s.manager]
			i := sort.Search(len(ds), func(i int) bool { return !ds[i].Before(s.day) })
			if i < len(ds) && !s.day.AddDays(applyWindow).Before(ds[i]) {
				followed++
			}
		}
		e.FollowedBy = ratio(followed, c.delivered)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Effect) int {
		return cmp.Or(cmp.Compare(a.Cadence, b.Cadence), cmp.Compare(a.Script, b.Script))
	})
	return out
}
