package slack

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/slack-go/slack"
)

// HomeCallbackID is the callback_id of the App Home view.
const HomeCallbackID = "nb:home"

// How much of a long week the Home tab shows. The tab is a glance, not a
// report: the full picture is in the messages and the L&D digest, and
// Slack stops at 100 blocks.
const (
	homeOpen  = 15
	homeTeams = 10
	homeWins  = 10
	barCells  = 10
)

// HomeView renders the manager's own week for the App Home tab: what is
// still open (each with a button to open it, act nudges.ActLog), the pledge,
// streak and kept rate, each team's first-application share and coaching
// minutes against L&D's targets, and recent wins. The Home tab is private to
// the manager, so names of learners who have not applied yet may appear.
func HomeView(o nudges.Overview) slack.HomeTabViewRequest {
	blocks := []slack.Block{header(blockTitle, "Your coaching week")}
	if !blank(o.Context) {
		blocks = append(blocks, contextLine(blockContext, escape(o.Context)))
	}

	blocks = append(blocks, slack.NewDividerBlock(), section("open", "*Open nudges*"))
	if len(o.Open) == 0 {
		blocks = append(blocks, section("open-none", "Nothing is waiting for you. The next nudge will arrive in your messages."))
	}
	for i, n := range o.Open[:min(len(o.Open), homeOpen)] {
		s := section("open-"+strconv.Itoa(i), openLine(n))
		if b := button(n.Nudge, nudges.ActLog, "Open", "", ""); b != nil {
			s.Accessory = slack.NewAccessory(b)
		}
		blocks = append(blocks, s)
	}
	if more := len(o.Open) - homeOpen; more > 0 {
		blocks = append(blocks, contextLine("open-more", fmt.Sprintf("…and %d more in your messages with me.", more)))
	}

	blocks = append(blocks, slack.NewDividerBlock(), section("pledge", pledgeText(o)))

	for i, p := range o.Teams[:min(len(o.Teams), homeTeams)] {
		id := "team-" + strconv.Itoa(i)
		blocks = append(blocks, slack.NewDividerBlock(), section(id, teamText(p)))
		if len(p.NotYet) > 0 {
			blocks = append(blocks, contextLine(id+"-not-yet", "Not yet applied: "+escape(strings.Join(p.NotYet, ", "))))
		}
	}

	if len(o.Wins) > 0 {
		blocks = append(blocks, slack.NewDividerBlock())
		var lines []string
		for _, w := range o.Wins[:min(len(o.Wins), homeWins)] {
			tag := "kept private"
			if w.Shared {
				tag = "shared with the team"
			}
			lines = append(lines, fmt.Sprintf("• *%s* — %s _(%s)_", escape(w.Member), escape(w.Text), tag))
		}
		for i, t := range split("*Recent wins*\n"+strings.Join(lines, "\n"), maxSection) {
			blocks = append(blocks, section("wins-"+strconv.Itoa(i), t))
		}
	}

	if len(blocks) > maxSurface {
		blocks = blocks[:maxSurface]
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: HomeCallbackID, Blocks: slack.Blocks{BlockSet: blocks}}
}

// openLine describes an open nudge. The sent time uses Slack's date token,
// so each viewer sees it in their own time zone; the text after "|" is what
// clients that cannot format dates show.
func openLine(n nudges.OpenNudge) string {
	title := n.Title
	if blank(title) {
		title = kindName(n.Kind)
	}
	s := "*" + escape(title) + "*\n" + kindName(n.Kind)
	if !n.Sent.IsZero() {
		s += fmt.Sprintf(" · sent <!date^%d^{date_short_pretty} at {time}|%s>", n.Sent.Unix(), n.Sent.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	return s
}

func pledgeText(o nudges.Overview) string {
	s := "*Your pledge this week*\n"
	if blank(o.Pledge) {
		s += "No pledge yet. One concrete coaching action a week is the habit that makes the rest easy."
	} else {
		s += "“" + escape(o.Pledge) + "”"
	}
	var facts []string
	if o.Streak > 0 {
		facts = append(facts, fmt.Sprintf("Streak: %d kept in a row", o.Streak))
	}
	if o.Pledged > 0 {
		facts = append(facts, fmt.Sprintf("Kept: %d%% of %d reviewed", pctOf(o.KeptRate), o.Pledged))
	}
	if len(facts) > 0 {
		s += "\n" + strings.Join(facts, " · ")
	}
	return s
}

// teamText is one team's progress against its targets, with text bars
// that read the same on every client.
func teamText(p nudges.Progress) string {
	name := "Your team"
	if p.Team != nil && !blank(p.Team.Name) {
		name = p.Team.Name
	}
	share := p.AppliedShare()
	first := fmt.Sprintf("First application: %s %d%%", bar(share), pctOf(share))
	if t := p.Targets.FirstApplicationShare; t > 0 {
		first += fmt.Sprintf(" / target %d%%", pctOf(t))
	}
	first += fmt.Sprintf(" (%d of %d learners)", p.Applied, p.Learners)
	minutes := fmt.Sprintf("Coaching minutes: %d this week", p.Minutes)
	if t := p.Targets.CoachingMinutes; t > 0 {
		minutes = fmt.Sprintf("Coaching minutes: %s %d / target %d this week", bar(float64(p.Minutes)/float64(t)), p.Minutes, t)
	}
	return "*" + escape(name) + "*\n" + first + "\n" + minutes
}

// bar draws a share (0–1, clamped) as ten cells, e.g. ▓▓▓▓▓▓░░░░ for 0.6.
func bar(f float64) string {
	n := int(math.Round(clamp01(f) * barCells))
	return strings.Repeat("▓", n) + strings.Repeat("░", barCells-n)
}

func kindName(k nudges.Kind) string {
	switch k {
	case nudges.KindCheckIn:
		return "Check-in"
	case nudges.KindAssignment:
		return "Micro-assignment"
	case nudges.KindPledge:
		return "Weekly pledge"
	case nudges.KindSummary:
		return "Weekly summary"
	case nudges.KindShoutOut:
		return "Shout-out"
	}
	if k == "" {
		return "Nudge"
	}
	return string(k)
}
