package converse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
)

// The rules a reply's answers must meet live here, once, as pure functions
// of the answers, the roster and the manager's today: the engine applies
// them before it opens a write (an invalid reply then never joins, and
// never rolls back, a commit shared with other replies), and an adapter
// that asks one field at a time (the shell) applies them after each answer.

// CheckInAnswers is a check-in form's answers once they hold.
type CheckInAnswers struct {
	Member  *nudges.Member
	Team    *nudges.Team
	Minutes int
	Review  nudges.Date
	Text    map[string]string // tried, changed and next action, trimmed
	Win     string
	Share   bool
}

// CheckIn checks a check-in's answers against the manager's teams and
// today's date in the manager's zone. It may run on a form half filled
// in: fields not answered yet have errors of their own, which a caller
// asking field by field ignores.
func CheckIn(cfg *config.Config, managerID string, f map[string]string, today nudges.Date) (CheckInAnswers, FieldErrors) {
	var c CheckInAnswers
	var errs FieldErrors
	c.Member, c.Team = cfg.FindMember(managerID, strings.TrimSpace(f[nudges.FieldMember]))
	if c.Member == nil {
		errs = errs.Add(nudges.FieldMember, fmt.Sprintf("%q is not on your team", f[nudges.FieldMember]))
	}
	c.Text = map[string]string{}
	for _, k := range []string{nudges.FieldTried, nudges.FieldChanged, nudges.FieldNext} {
		c.Text[k] = strings.TrimSpace(f[k])
		if c.Text[k] == "" {
			errs = errs.Add(k, "required")
		}
	}
	var err error
	c.Minutes, err = strconv.Atoi(strings.TrimSpace(f[nudges.FieldMinutes]))
	if err != nil || c.Minutes < 1 || c.Minutes > 480 {
		errs = errs.Add(nudges.FieldMinutes, "a whole number of minutes from 1 to 480")
	}
	c.Review, err = nudges.ParseDate(strings.TrimSpace(f[nudges.FieldReview]))
	if err != nil {
		errs = errs.Add(nudges.FieldReview, "a date as YYYY-MM-DD")
	} else if c.Review.Before(today) {
		errs = errs.Add(nudges.FieldReview, "the review date is in the past")
	}
	c.Win = strings.TrimSpace(f[nudges.FieldWin])
	share, ok := YesNo(f[nudges.FieldShare])
	switch {
	case !ok:
		errs = errs.Add(nudges.FieldShare, "answer y or n")
	case share && c.Win == "":
		errs = errs.Add(nudges.FieldShare, "there is no win to share")
	}
	c.Share = share
	return c, errs
}

// Pledge checks a pledge's answers; awaiting says whether last week's
// pledge waits for its review. text is the pledge (a suggestion's number
// picks that suggestion), kept the review, or "" when none is due.
func Pledge(f map[string]string, awaiting bool) (text, kept string, errs FieldErrors) {
	text = strings.TrimSpace(f[nudges.FieldPledge])
	if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(nudges.PledgeSuggestions) {
		text = nudges.PledgeSuggestions[n-1]
	}
	if text == "" {
		errs = errs.Add(nudges.FieldPledge, "say what you will do this week")
	}
	kept = strings.ToLower(strings.TrimSpace(f[nudges.FieldKept]))
	switch {
	case !awaiting:
		kept = "" // nothing to review yet; ignore
	case kept != "yes" && kept != "partly" && kept != "no":
		errs = errs.Add(nudges.FieldKept, "answer yes, partly or no")
	}
	return text, kept, errs
}

// Outcome checks a micro-assignment outcome: a learner on the manager's
// teams and one of nudges.Outcomes, spelt loosely ("not-yet", "Not yet").
// It returns the learner and the outcome's value and label.
func Outcome(cfg *config.Config, managerID string, f map[string]string) (learner *nudges.Member, value, label string, errs FieldErrors) {
	name, outcome := f[nudges.FieldLearner], f[nudges.FieldOutcome]
	if v, ok := f["value"]; ok && name == "" { // a button's value: learner|outcome
		name, outcome, _ = strings.Cut(v, "|")
	}
	learner, _ = cfg.FindMember(managerID, strings.TrimSpace(name))
	if learner == nil {
		errs = errs.Add(nudges.FieldLearner, fmt.Sprintf("%q is not on your team", name))
	}
	value = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(outcome)), "-", "_")
	value = strings.ReplaceAll(value, " ", "_")
	for _, o := range nudges.Outcomes {
		if o.Value == value {
			label = o.Label
		}
	}
	if label == "" {
		errs = errs.Add(nudges.FieldOutcome, "applied, not yet or needs support")
	}
	return learner, value, label, errs
}

// Check is the pure step before a reply's write: every rule that needs
// only the reply, the roster, the manager's today and whether a pledge
// awaits review. What it passes may still meet a rule of the store (the
// nudge answered meanwhile), which only the write can see.
func Check(cfg *config.Config, r Reply, today nudges.Date, awaiting bool) FieldErrors {
	switch r.Action {
	case nudges.ActLog:
		switch r.Kind {
		case nudges.KindCheckIn:
			_, errs := CheckIn(cfg, r.Manager, r.Fields, today)
			return errs
		case nudges.KindPledge:
			_, _, errs := Pledge(r.Fields, awaiting)
			return errs
		case "":
			return nil // the kind is the nudge's, read in the write
		}
		return FieldErrors{}.Add("kind", fmt.Sprintf("nothing to log for a %q nudge", r.Kind))
	case nudges.ActOutcome:
		_, _, _, errs := Outcome(cfg, r.Manager, r.Fields)
		return errs
	case nudges.ActSkip:
		if strings.TrimSpace(r.Fields[nudges.FieldReason]) == "" {
			return FieldErrors{}.Add(nudges.FieldReason, "say why you skip this week (it helps L&D plan)")
		}
	case ActNote:
		if strings.TrimSpace(r.Fields[nudges.FieldNote]) == "" {
			return FieldErrors{}.Add(nudges.FieldNote, "empty note")
		}
	case nudges.ActHold:
		switch c := r.Fields[nudges.FieldHold]; c {
		case nudges.HoldKeep, nudges.HoldPause, nudges.HoldStop:
		default:
			return FieldErrors{}.Add(nudges.FieldHold, fmt.Sprintf("answer keep, pause or stop, not %q", c))
		}
	case nudges.ActSnooze, nudges.ActUseful, nudges.ActNotUseful:
	default:
		return FieldErrors{}.Add("action", fmt.Sprintf("unknown action %q", r.Action))
	}
	return nil
}

// YesNo reads a toggle: ok is false for an answer that is neither (a blank
// one is no, as an unticked box).
func YesNo(s string) (yes, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes", "true", "1", "on", "share":
		return true, true
	case "", "n", "no", "false", "0", "off":
		return false, true
	}
	return false, false
}
