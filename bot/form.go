package bot

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// The rules a form's answers must meet live here, once: HandleReply applies
// them when a form is submitted, and CheckForm lets an adapter that asks
// one field at a time (the shell) apply them after each answer, so a wrong
// answer is asked again instead of costing the whole form.

// checkIn is a check-in form's answers once they hold.
type checkIn struct {
	member  *nudges.Member
	team    *nudges.Team
	minutes int
	review  nudges.Date
	text    map[string]string // tried, changed and next action, trimmed
	win     string
	share   bool
}

// validateCheckIn checks a check-in's answers against the manager's teams
// and today's date in the manager's zone. It reads nothing else, so it may
// run on a form half filled in: fields not answered yet have errors of
// their own, which the caller ignores.
func validateCheckIn(cfg *config.Config, managerID string, f map[string]string, today nudges.Date) (checkIn, FieldErrors) {
	var c checkIn
	var errs FieldErrors
	c.member, c.team = cfg.FindMember(managerID, strings.TrimSpace(f[nudges.FieldMember]))
	if c.member == nil {
		errs = append(errs, FieldError{nudges.FieldMember, fmt.Sprintf("%q is not on your team", f[nudges.FieldMember])})
	}
	c.text = map[string]string{}
	for _, k := range []string{nudges.FieldTried, nudges.FieldChanged, nudges.FieldNext} {
		c.text[k] = strings.TrimSpace(f[k])
		if c.text[k] == "" {
			errs = append(errs, FieldError{k, "required"})
		}
	}
	var err error
	c.minutes, err = strconv.Atoi(strings.TrimSpace(f[nudges.FieldMinutes]))
	if err != nil || c.minutes < 1 || c.minutes > 480 {
		errs = append(errs, FieldError{nudges.FieldMinutes, "a whole number of minutes from 1 to 480"})
	}
	c.review, err = nudges.ParseDate(strings.TrimSpace(f[nudges.FieldReview]))
	if err != nil {
		errs = append(errs, FieldError{nudges.FieldReview, "a date as YYYY-MM-DD"})
	} else if c.review.Before(today) {
		errs = append(errs, FieldError{nudges.FieldReview, "the review date is in the past"})
	}
	c.win = strings.TrimSpace(f[nudges.FieldWin])
	share, ok := yesNo(f[nudges.FieldShare])
	switch {
	case !ok:
		errs = append(errs, FieldError{nudges.FieldShare, "answer y or n"})
	case share && c.win == "":
		errs = append(errs, FieldError{nudges.FieldShare, "there is no win to share"})
	}
	c.share = share
	return c, errs
}

// validatePledge checks a pledge's answers; awaiting says whether last
// week's pledge waits for its review. text is the pledge (a suggestion's
// number picks that suggestion), kept the review or "" when none is due.
func validatePledge(f map[string]string, awaiting bool) (text, kept string, errs FieldErrors) {
	text = strings.TrimSpace(f[nudges.FieldPledge])
	if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(nudges.PledgeSuggestions) {
		text = nudges.PledgeSuggestions[n-1]
	}
	if text == "" {
		errs = append(errs, FieldError{nudges.FieldPledge, "say what you will do this week"})
	}
	kept = strings.ToLower(strings.TrimSpace(f[nudges.FieldKept]))
	switch {
	case !awaiting:
		kept = "" // nothing to review yet; ignore
	case kept != "yes" && kept != "partly" && kept != "no":
		errs = append(errs, FieldError{nudges.FieldKept, "answer yes, partly or no"})
	}
	return text, kept, errs
}

// CheckForm checks the answers given so far to a kind's form with the rules
// HandleReply applies on submit, and stores nothing. Every problem is
// listed, those of fields not answered yet included: an adapter asking
// field by field looks only at the field it just asked. The error is for a
// manager not on the roster or a store that cannot be read.
func (e *Engine) CheckForm(managerID string, kind nudges.Kind, fields map[string]string) (FieldErrors, error) {
	cfg := e.Config()
	m := cfg.Manager(managerID)
	if m == nil {
		return nil, fmt.Errorf("check form: %w %q", ErrUnknownManager, managerID)
	}
	switch kind {
	case nudges.KindCheckIn:
		_, errs := validateCheckIn(cfg, m.ID, fields, nudges.DateOf(e.now().In(m.Calendar.Location)))
		return errs, nil
	case nudges.KindPledge:
		var st store.ManagerState
		err := e.store.View(func(tx *store.Tx) (err error) {
			st, err = tx.ManagerState(m.ID)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("check pledge of %s: %w", m.ID, err)
		}
		_, _, errs := validatePledge(fields, st.Pledge != nil && !st.Pledge.Reviewed)
		return errs, nil
	}
	return FieldErrors{{"kind", fmt.Sprintf("no form for a %q nudge", kind)}}, nil
}

// yesNo reads a toggle: ok is false for an answer that is neither (a blank
// one is no, as an unticked box).
func yesNo(s string) (yes, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes", "true", "1", "on", "share":
		return true, true
	case "", "n", "no", "false", "0", "off":
		return false, true
	}
	return false, false
}
