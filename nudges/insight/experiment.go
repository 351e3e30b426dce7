package insight

import (
	"math"
)

// minArm is the fewest managers each group of an experiment needs before a
// difference is worth reading. Below it the comparison says so instead.
const minArm = 20

// Comparison is a hold-out experiment: the managers who get a cadence
// against those held out of it.
type Comparison struct {
	Cadence string  `json:"cadence"`
	Percent float64 `json:"holdout_percent"`
	Treated Arm     `json:"treated"`
	HeldOut Arm     `json:"held_out"`
	// Application is the treated share of learners with a first
	// application within two weeks minus the held-out share.
	Application Interval `json:"application_difference"`
	// Minutes is the treated managers' mean coaching minutes per week
	// minus the held-out managers'.
	Minutes Interval `json:"minutes_difference"`
	// TooSmall says a group has fewer than minArm managers: nothing can be
	// concluded yet, whatever the figures.
	TooSmall bool `json:"too_small"`
}

// Arm is one group of an experiment.
type Arm struct {
	Managers int     `json:"managers"`
	Learners int     `json:"learners"` // learners counted for first application
	Applied  int     `json:"applied"`
	Share    float64 `json:"share"`
	Minutes  float64 `json:"minutes_per_week"` // mean over the group's managers
}

// Verdict says in words what an interval of a difference shows.
func (c Comparison) Verdict(d Interval) string {
	switch {
	case c.TooSmall:
		return "too small to conclude"
	case d.Low > 0:
		return "higher with the nudges"
	case d.High < 0:
		return "lower with the nudges"
	}
	return "no clear difference"
}

func (b *Book) experiments() []Comparison {
	if len(b.holds) == 0 {
		return nil
	}
	// Every manager's figures over the same number of weeks: held-out
	// managers may have fewer active weeks by design, so minutes per active
	// week would flatter them.
	weeks := float64(b.p.To.DaysSince(b.p.From)+1) / 7
	out := make([]Comparison, 0, len(b.holds))
	for h, cad := range b.holds {
		pct := b.p.Holdouts[cad]
		c := Comparison{Cadence: cad, Percent: pct}
		var mins [2][]float64
		for _, i := range b.order {
			m := b.managers[i]
			if !m.out.shown {
				continue
			}
			arm, k := &c.Treated, 0
			if b.heldOut(m, h) {
				arm, k = &c.HeldOut, 1
			}
			arm.Managers++
			mins[k] = append(mins[k], float64(m.out.fig.Minutes)/weeks)
		}
		for _, id := range b.teamIDs {
			t := b.teams[id]
			arm := &c.Treated
			if m, ok := b.byID[t.Manager]; ok && b.heldOut(b.managers[m], h) {
				arm = &c.HeldOut
			}
			arm.Learners += t.counted
			arm.Applied += t.applied
		}
		c.Treated.Share, c.HeldOut.Share = ratio(c.Treated.Applied, c.Treated.Learners), ratio(c.HeldOut.Applied, c.HeldOut.Learners)
		c.Application = Newcombe(c.Treated.Applied, c.Treated.Learners, c.HeldOut.Applied, c.HeldOut.Learners)
		c.Minutes = Welch(mins[0], mins[1])
		c.Treated.Minutes, c.HeldOut.Minutes = mean(mins[0]), mean(mins[1])
		c.TooSmall = c.Treated.Managers < minArm || c.HeldOut.Managers < minArm
		out = append(out, c)
	}
	return out
}

// Newcombe is the difference of two proportions k1/n1 − k2/n2 with
// Newcombe's hybrid score interval, built from the two Wilson intervals
// (it behaves where the plain Wald interval does not: small groups, shares
// near 0 or 1).
func Newcombe(k1, n1, k2, n2 int) Interval {
	if n1 == 0 || n2 == 0 {
		return Interval{}
	}
	a, b := Wilson(k1, n1), Wilson(k2, n2)
	d := a.Value - b.Value
	return Interval{Value: d,
		Low:  d - math.Sqrt((a.Value-a.Low)*(a.Value-a.Low)+(b.High-b.Value)*(b.High-b.Value)),
		High: d + math.Sqrt((a.High-a.Value)*(a.High-a.Value)+(b.Value-b.Low)*(b.Value-b.Low))}
}

// Welch is the difference of two means with a 95 % interval from Welch's
// standard error (normal quantile: the groups it is read for have at least
// minArm members).
func Welch(x, y []float64) Interval {
	if len(x) < 2 || len(y) < 2 {
		return Interval{Value: mean(x) - mean(y)}
	}
	d := mean(x) - mean(y)
	se := math.Sqrt(variance(x)/float64(len(x)) + variance(y)/float64(len(y)))
	return Interval{Value: d, Low: d - z95*se, High: d + z95*se}
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func variance(x []float64) float64 {
	m, s := mean(x), 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}
