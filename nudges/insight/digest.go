package insight

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// digestItems is how many flags or spots the digest lists before pointing
// at the full report: a digest is read in a minute.
const digestItems = 5

// ErrNotForChannel refuses a digest for any reader but L&D: it names
// managers and carries red flags.
var ErrNotForChannel = errors.New("the digest is for L&D's admins only")

// Digest writes L&D's weekly digest of one program: the few numbers that
// matter, red flags, bright spots, the most and least useful nudges, the
// experiments, and what changed since last week (last may be nil). name
// gives a manager's display name. It takes L&D views only.
func Digest(prog *nudges.Program, today nudges.Date, now View, last *View, name func(manager string) string) (nudges.Message, error) {
	if now.Audience.kind != audLnD || (last != nil && last.Audience.kind != audLnD) {
		return nudges.Message{}, ErrNotForChannel
	}
	m := nudges.Message{Kind: nudges.KindDigest, Title: "Weekly digest: " + prog.Name, Context: nudges.Where(prog, today)}
	rc := now.Reach
	m.Lines = append(m.Lines, fmt.Sprintf("Reach: %d of %d managers nudged, %d answered (%d%% of nudges), %d coached.",
		rc.Nudged, rc.Managers, rc.Answered, pct(rc.AnswerRate), rc.Coached))
	counted, applied := shownApplication(now)
	if counted > 0 {
		m.Lines = append(m.Lines, fmt.Sprintf("First application: %d%% of %d learners within two weeks of their module (target %d%%; teams under %d not counted).",
			pct(ratio(applied, counted)), counted, pct(targetOf(now)), now.MinGroup))
	}
	if avg, met, n := coaching(now); n > 0 {
		m.Lines = append(m.Lines, fmt.Sprintf("Coaching: %.0f minutes a week per manager (target %d); %d of %d managers average the target or more.",
			avg, now.Managers[0].Target, met, n))
	}
	if last != nil {
		m.Lines = append(m.Lines, changes(now, *last))
	}
	if h := holds(now); h != "" {
		m.Lines = append(m.Lines, h)
	}
	if len(now.Flags) > 0 {
		m.Lines = append(m.Lines, list(fmt.Sprintf("Red flags (%d):", len(now.Flags)), len(now.Flags), func(i int) string {
			return flagText(now.Flags[i], name, teamName(now))
		}))
	}
	if len(now.Spots) > 0 {
		m.Lines = append(m.Lines, list(fmt.Sprintf("Bright spots (%d):", len(now.Spots)), len(now.Spots), func(i int) string {
			return spotText(now.Spots[i], name, teamName(now))
		}))
	}
	if best, worst, ok := usefulness(now.Cadences); ok {
		m.Lines = append(m.Lines, "Most useful: "+effectText(best))
		if worst.Cadence != best.Cadence || worst.Script != best.Script {
			m.Lines = append(m.Lines, "Least useful: "+effectText(worst))
		}
	}
	for _, c := range now.Experiments {
		m.Lines = append(m.Lines, fmt.Sprintf("Hold-out %s (%g%% held out, %d vs %d managers): first application %s, coaching minutes %s.",
			c.Cadence, c.Percent, c.Treated.Managers, c.HeldOut.Managers, c.Verdict(c.Application), c.Verdict(c.Minutes)))
	}
	m.Fallback = fmt.Sprintf("%s digest: %d of %d managers answered, %d red flags", prog.Name, rc.Answered, rc.Managers, len(now.Flags))
	return m, nil
}

func pct(f float64) int { return int(math.Round(f * 100)) }

func shownApplication(v View) (counted, applied int) {
	for _, t := range v.Teams {
		if !t.Hidden {
			counted += t.Counted
			applied += t.Applied
		}
	}
	return counted, applied
}

func targetOf(v View) float64 {
	for _, t := range v.Teams {
		return t.Target
	}
	return 0
}

// coaching is the mean of managers' minutes per active week, and how many
// managers averaged the target or more, over managers with an active week.
func coaching(v View) (avg float64, met, n int) {
	for _, m := range v.Managers {
		if m.Weeks == 0 {
			continue
		}
		n++
		avg += m.PerWeek
		if m.PerWeek >= float64(m.Target) {
			met++
		}
	}
	if n > 0 {
		avg /= float64(n)
	}
	return avg, met, n
}

// holds sums up the fatigue guardrail: managers whose nudges are held.
func holds(v View) string {
	n := map[string]int{}
	for _, m := range v.Managers {
		n[m.Hold]++
	}
	if n["asked"]+n["pause"]+n["stop"] == 0 {
		return ""
	}
	return fmt.Sprintf("Nudges held after several went unanswered: %d awaiting an answer, %d paused for four weeks, %d stopped.",
		n["asked"], n["pause"], n["stop"])
}

func changes(now, last View) string {
	var parts []string
	if d := now.Reach.Coached - last.Reach.Coached; d != 0 {
		parts = append(parts, fmt.Sprintf("%+d managers coached", d))
	}
	if d := pct(now.Reach.AnswerRate) - pct(last.Reach.AnswerRate); d != 0 {
		parts = append(parts, fmt.Sprintf("answer rate %+d points", d))
	}
	c1, a1 := shownApplication(now)
	c0, a0 := shownApplication(last)
	if d := pct(ratio(a1, c1)) - pct(ratio(a0, c0)); d != 0 && c0 > 0 {
		parts = append(parts, fmt.Sprintf("first application %+d points", d))
	}
	if d := len(now.Flags) - len(last.Flags); d != 0 {
		parts = append(parts, fmt.Sprintf("%+d red flags", d))
	}
	if len(parts) == 0 {
		return "Since last week: no change in the headline figures."
	}
	return "Since last week: " + strings.Join(parts, ", ") + "."
}

func list(head string, n int, item func(int) string) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i < n && i < digestItems; i++ {
		b.WriteString("\n• " + item(i))
	}
	if n > digestItems {
		fmt.Fprintf(&b, "\n…and %d more (nudgebot report).", n-digestItems)
	}
	return b.String()
}

func teamName(v View) func(string) string {
	return func(id string) string {
		for _, t := range v.Teams {
			if t.Team == id && t.Name != "" {
				return t.Name
			}
		}
		return id
	}
}

func flagText(f Flag, name, team func(string) string) string {
	switch f.Kind {
	case FlagMissedCheckIns:
		return fmt.Sprintf("%s missed %d check-ins in a row", name(f.Manager), f.N)
	case FlagBrokenPledges:
		return fmt.Sprintf("%s did not keep %d pledges in a row", name(f.Manager), f.N)
	case FlagNoApplication:
		return fmt.Sprintf("%s (%s): no first application two weeks after the module", team(f.Team), name(f.Manager))
	case FlagUnreachable:
		return fmt.Sprintf("%s cannot be reached: %d deliveries in a row failed", name(f.Manager), f.N)
	case FlagIgnoring:
		return fmt.Sprintf("%s left %d nudges in a row unanswered", name(f.Manager), f.N)
	}
	return fmt.Sprintf("%s: %s", name(f.Manager), f.Kind)
}

func spotText(s Spot, name, team func(string) string) string {
	switch s.Kind {
	case SpotStreak:
		return fmt.Sprintf("%s: %d %s in a row", name(s.Manager), s.N, s.Text)
	case SpotAboveTarget:
		return fmt.Sprintf("%s (%s) is at %d%%, on target", team(s.Team), name(s.Manager), pct(s.Share))
	case SpotImproved:
		return fmt.Sprintf("Most improved: %s (%s), up %d points this week", team(s.Team), name(s.Manager), pct(s.Share))
	case SpotSharedWin:
		return fmt.Sprintf("A win %s shared: %s", name(s.Manager), s.Text)
	}
	return string(s.Kind)
}

// usefulness picks the rated cadences with the best lower bound and the
// worst upper bound: the ones the ratings say most firmly are useful, and
// not.
func usefulness(es []Effect) (best, worst Effect, ok bool) {
	for _, e := range es {
		if e.Useful+e.NotUseful == 0 {
			continue
		}
		if !ok || e.UsefulShare.Low > best.UsefulShare.Low {
			best = e
		}
		if !ok || e.UsefulShare.High < worst.UsefulShare.High {
			worst = e
		}
		ok = true
	}
	return best, worst, ok
}

func effectText(e Effect) string {
	id := e.Cadence
	if e.Script != "" {
		id += " (" + e.Script + ")"
	}
	n := e.Useful + e.NotUseful
	return fmt.Sprintf("%s: %d%% useful of %d ratings (95%% interval %d–%d%%), answer rate %d%%.",
		id, pct(e.UsefulShare.Value), n, pct(e.UsefulShare.Low), pct(e.UsefulShare.High), pct(e.AnswerRate))
}
