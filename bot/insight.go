package bot

import (
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/store"
)

// InsightReport computes L&D's figures for program over [from, to] from
// the data file, under cfg (its launches resolved, see PlanConfig). Days
// are each manager's local dates, as the schedule counts them.
//
// A learner's module date is when the bot first heard they finished a
// module (the nudge that event queued); a learner it never heard about is
// taken to be on the program's schedule, with the module done when the
// first assignment is handed out.
func InsightReport(st *store.Store, cfg *config.Config, program string, from, to nudges.Date) (insight.Report, error) {
	hint := 0
	if counts, err := st.Counts(); err == nil {
		for _, n := range counts {
			hint += int(n)
		}
	}
	var r insight.Report
	err := st.View(func(tx *store.Tx) (err error) {
		r, err = insightReport(tx, cfg, program, from, to, hint)
		return err
	})
	return r, err
}

// sentByAdmin is the cadence name the figures give nudges sent by an admin.
const sentByAdmin = "sent-by-admin"

// insightReport is InsightReport inside a transaction; hint is about how
// many outbox items there are.
func insightReport(tx *store.Tx, cfg *config.Config, program string, from, to nudges.Date, hint int) (insight.Report, error) {
	rs, err := insightReports(tx, cfg, program, from, []nudges.Date{to}, hint)
	if err != nil {
		return insight.Report{}, err
	}
	return rs[0], nil
}

// insightReports computes the figures from one day to each of several, in
// one pass over the data file: the digest wants this week's and last
// week's, and reading a million logs once instead of twice is what counts.
func insightReports(tx *store.Tx, cfg *config.Config, program string, from nudges.Date, tos []nudges.Date, hint int) ([]insight.Report, error) {
	prog := cfg.Program(program)
	if prog == nil {
		return nil, fmt.Errorf("report: no program has id %q", program)
	}
	books := make([]*insight.Book, len(tos))
	for i, to := range tos {
		p := insight.Params{Nudges: hint, Program: prog, Targets: cfg.Targets, From: from, To: to, MinGroup: cfg.Targets.MinGroup,
			Holdouts: map[string]float64{}}
		for _, c := range cfg.Cadences {
			if c.Program == program && c.Holdout > 0 {
				p.Holdouts[c.ID] = c.Holdout
			}
		}
		books[i] = insight.NewBook(p)
	}
	scheduled := prog.Launch
	if len(prog.Assignments) > 0 {
		scheduled = prog.Launch.AddDays(7 * (prog.Assignments[0].Week - 1))
	}
	local := func(manager string, t time.Time) nudges.Date {
		if m := cfg.Manager(manager); m != nil && m.Calendar.Location != nil {
			t = t.In(m.Calendar.Location)
		}
		return nudges.DateOf(t)
	}
	modules := map[string]nudges.Date{}
	err := tx.Items(func(it *store.Item) error {
		if it.Program != program || it.Channel != "" {
			return nil
		}
		at := it.ScheduledAt
		if !it.SentAt.IsZero() {
			at = it.SentAt
		}
		day := local(it.Manager, at)
		if it.Learner != "" && it.Module != "" {
			if d, ok := modules[it.Learner]; !ok || day.Before(d) {
				modules[it.Learner] = day
			}
		}
		cadence := it.Cadence
		if cadence == "" {
			// A nudge an admin sent by hand follows no cadence: its
			// figures go under a name of their own.
			cadence = sentByAdmin
		}
		n := insight.Nudge{ID: it.ID, Manager: it.Manager, Cadence: cadence, Script: it.Script, Parent: it.Parent,
			Kind: it.Kind, Day: day, Failed: it.State == store.Failed, Expired: it.Answered == store.AnsweredExpired}
		if it.State == store.Sent {
			n.Sent = it.SentAt
		}
		for _, b := range books {
			b.AddNudge(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.EachLog(func(l *store.Log) error {
		if l.Program != program && l.Program != "" {
			return nil
		}
		a := l.Answers
		r := insight.Reply{Manager: l.Manager, Nudge: l.Nudge, Kind: l.Kind, Learner: l.Learner,
			Day: local(l.Manager, l.CreatedAt), At: l.CreatedAt, Minutes: l.Minutes, Kept: a[nudges.FieldKept],
			Rating: a["rating"], Reason: a[nudges.FieldReason], Win: a[nudges.FieldWin], Shared: a[nudges.FieldShare] == "yes",
			Hold: a[nudges.FieldHold]}
		for _, b := range books {
			b.AddReply(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, t := range cfg.Teams {
		if m := cfg.Manager(t.Manager); m == nil || !m.Enrolled(program) {
			continue
		}
		for _, b := range books {
			b.AddTeam(insight.Team{ID: t.ID, Name: t.Name, Manager: t.Manager})
		}
		for _, mb := range t.Members {
			l := insight.Learner{ID: mb.ID, Team: t.ID, Module: scheduled}
			if d, ok := modules[mb.ID]; ok {
				l.Module = d
			}
			fa, err := tx.FirstApplication(program, mb.ID)
			if err != nil {
				return nil, err
			}
			if fa != nil {
				l.Applied = fa.Date
			}
			for _, b := range books {
				b.AddLearner(l)
			}
		}
	}
	out := make([]insight.Report, len(books))
	for i, b := range books {
		out[i] = b.Report()
	}
	return out, nil
}
