package insight_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// synthetic builds managers m0…m(n-1), each with a team of 10 learners who
// finished the module at launch. Treated managers' teams apply at treated
// tenths and log treatedMin minutes a week; held-out ones at held tenths
// and heldMin minutes. Within a group, every other manager is one learner
// and 10 minutes off the group's mean, so the groups vary around the means
// given (exactly, when a group has as many even as odd managers).
func synthetic(n, treated, held, treatedMin, heldMin int) facts {
	var f facts
	for i := range n {
		m := fmt.Sprintf("m%d", i)
		apply, mins := treated, treatedMin
		if nudges.HeldOut("coach", "weekly", m, 50) {
			apply, mins = held, heldMin
		}
		if i%2 == 0 {
			apply, mins = apply+1, mins+10
		} else {
			apply, mins = apply-1, mins-10
		}
		tm := "t-" + m
		f.teams = append(f.teams, team(tm, m))
		f.learners = append(f.learners, learners(tm, 10, launch, apply, 5)...)
		for w := 1; w <= 6; w++ {
			r := checkin(m, "", w, mins)
			f.replies = append(f.replies, r)
		}
	}
	return f
}

func TestExperiment(t *testing.T) {
	p := params
	p.Holdouts = map[string]float64{"weekly": 50}
	for _, tc := range []struct {
		name           string
		f              facts
		app, min       string
		appDiff, mDiff float64
	}{
		{"a known effect: +30 points, +20 minutes", synthetic(400, 6, 3, 30, 10),
			"higher with the nudges", "higher with the nudges", 0.3, 20},
		{"no effect", synthetic(400, 5, 5, 20, 20), "no clear difference", "no clear difference", 0, 0},
		{"a harmful cadence", synthetic(400, 3, 5, 20, 20), "lower with the nudges", "no clear difference", -0.2, 0},
		{"too few managers", synthetic(16, 6, 3, 30, 10), "too small to conclude", "too small to conclude", 0.3, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.f.report(t, p)
			if len(r.Experiments) != 1 {
				t.Fatalf("experiments = %+v", r.Experiments)
			}
			c := r.Experiments[0]
			if c.Treated.Managers+c.HeldOut.Managers != len(tc.f.teams) || c.Treated.Learners != 10*c.Treated.Managers {
				t.Errorf("groups = %+v / %+v", c.Treated, c.HeldOut)
			}
			if got := c.Verdict(c.Application); got != tc.app {
				t.Errorf("first application: %q (%+v), want %q", got, c.Application, tc.app)
			}
			if got := c.Verdict(c.Minutes); got != tc.min {
				t.Errorf("minutes: %q (%+v), want %q", got, c.Minutes, tc.min)
			}
			if !c.TooSmall {
				if math.Abs(c.Application.Value-tc.appDiff) > 0.02 || c.Application.Low > tc.appDiff || c.Application.High < tc.appDiff {
					t.Errorf("application difference %+v, want about %.2f inside its interval", c.Application, tc.appDiff)
				}
				if math.Abs(c.Minutes.Value-tc.mDiff) > 2 || c.Minutes.Low > tc.mDiff || c.Minutes.High < tc.mDiff {
					t.Errorf("minutes difference %+v, want %.0f inside its interval", c.Minutes, tc.mDiff)
				}
			}
		})
	}
}

// TestNewcombe checks the interval against Newcombe's own worked example
// (Statistics in Medicine 17, 1998, table II, method 10): 56/70 against
// 48/80, a difference of 0.2 with interval 0.0524 to 0.3339.
func TestNewcombe(t *testing.T) {
	got := insight.Newcombe(56, 70, 48, 80)
	if !near(got.Value, 0.2) || !near(got.Low, 0.0524) || !near(got.High, 0.3339) {
		t.Errorf("Newcombe(56/70, 48/80) = %+v, want 0.2 [0.0524, 0.3339]", got)
	}
	if got := insight.Newcombe(1, 0, 1, 2); got != (insight.Interval{}) {
		t.Errorf("an empty group gave %+v", got)
	}
}

func TestWelch(t *testing.T) {
	x := []float64{10, 12, 14, 16, 18} // mean 14, variance 10
	y := []float64{4, 6, 8}            // mean 6, variance 4
	got := insight.Welch(x, y)
	se := math.Sqrt(10.0/5 + 4.0/3)
	if !near(got.Value, 8) || !near(got.Low, 8-1.959964*se) || !near(got.High, 8+1.959964*se) {
		t.Errorf("Welch = %+v, want 8 ± 1.96·%.3f", got, se)
	}
}
