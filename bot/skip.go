package bot

import (
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// Why the sweep records a due nudge as skipped instead of sending it. The
// codes are stable: logs and the nudgebot_skipped_total metric carry them.
const (
	SkipCatchUp    = "catch_up"    // missed by more than the catch-up window
	SkipAfterHours = "after_hours" // missed, and the manager's working time is over
	SkipDailyCap   = "daily_cap"   // no room under the daily cap within max_defer
)

// dueVerdict is what the sweep does with a due row: send it (zero value),
// push it to a later instant, or skip it with a code and a reason.
type dueVerdict struct {
	deferTo      time.Time
	code, reason string
}

// judge decides a due row's fate from the time, the manager's calendar and
// whether the day is full. It reads nothing else, so the rules are tested
// as a table. dayFull is asked only for rows the cap applies to.
func judge(cfg *config.Config, m *nudges.Manager, d store.Due, now time.Time, dayFull func() bool) dueVerdict {
	late := now.Sub(d.At)
	switch {
	case late > cfg.CatchUp:
		return dueVerdict{code: SkipCatchUp, reason: fmt.Sprintf("missed by %s, more than the catch-up window of %s", late.Round(time.Minute), cfg.CatchUp)}
	case late > time.Minute && !m.Calendar.InHours(now):
		return dueVerdict{code: SkipAfterHours, reason: "missed, and it is now outside working hours"}
	case d.Local == "" && cfg.MaxPerDay > 0 && dayFull():
		// Planned nudges fit the cap by construction (the planner applies
		// it), so only event nudges, reminders and snoozes are counted, and
		// they take a day's slot only if the plan leaves one: what `plan`
		// previews is never crowded out. Over the cap they wait for a later
		// day, but not for ever: a debrief a month late is no debrief.
		since := d.Since
		if since.IsZero() {
			since = d.At
		}
		if next, ok := m.Calendar.NextWorkingInstant(nextDayStart(m, d.At)); ok && next.Sub(since) <= cfg.MaxDefer {
			return dueVerdict{deferTo: next}
		}
		return dueVerdict{code: SkipDailyCap, reason: fmt.Sprintf("daily cap reached on every working day for %s (max_defer)", cfg.MaxDefer)}
	}
	return dueVerdict{}
}

// skipped is a nudge the sweep recorded as skipped, reported once its
// transaction commits: ids and the code only, never what it was about.
type skipped struct{ id, manager, code string }

// reportSkipped logs and counts what a sweep skipped, so an operator sees
// catch-up and the daily cap at work (nudgebot_skipped_total).
func (e *Engine) reportSkipped(list []skipped) {
	for _, s := range list {
		e.log.Info().Str("nudge_id", s.id).Str("manager", s.manager).Str("reason", s.code).Msg("nudge skipped")
		if e.OnSkipped != nil {
			e.OnSkipped(s.code)
		}
	}
}
