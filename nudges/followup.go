package nudges

import "fmt"

// FollowUp is what a 30- or 90-day follow-up recalls: what the manager
// logged at the debrief, and whether the learner has applied it since.
type FollowUp struct {
	Days           int // since the learning event
	Logged         bool
	Tried, Changed string // from the debrief's log
	Applied        bool
	AppliedOn      Date
}

func (f *FollowUp) lines(who, module string) []string {
	out := []string{fmt.Sprintf("%d days ago %s finished %q.", f.Days, who, module)}
	switch {
	case f.Logged && f.Tried != "" && f.Changed != "":
		out = append(out, fmt.Sprintf("At the debrief you noted they tried %q, and that %q changed. Is it still happening?", f.Tried, f.Changed))
	case f.Logged && f.Tried != "":
		out = append(out, fmt.Sprintf("At the debrief you noted they tried %q. Is it still happening?", f.Tried))
	case f.Logged:
		out = append(out, "You held the debrief. What has stuck since?")
	default:
		out = append(out, "No debrief was logged: this is a good moment to catch up on what they took from it.")
	}
	if f.Applied {
		out = append(out, fmt.Sprintf("They first applied it on the job on %s.", f.AppliedOn))
	} else {
		out = append(out, "No on-the-job application is logged yet: ask what gets in the way.")
	}
	return out
}
