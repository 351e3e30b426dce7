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
	var r insight.Report
	err := st.View(func(tx *store.Tx) (err error) {
		r, err = insightReport(tx, cfg, program, from, to)
		return err
	})
	return r, err
}

// sentByAdmin is the cadence name the figures give nudges sent by an admin.
const sentByAdmin = "sent-by-admin"

// insightReport is InsightReport inside a transaction.
func insightReport(tx *store.Tx, cfg *config.Config, program string, from, to nudges.Date) (insight.Report, error) {
	rs, err := insightReports(tx, cfg, program, from, []nudges.Date{to})
	if err != nil {
		return insight.Report{}, err
	}
	return rs[0], nil
}

// insightReports computes the figures from one day to each of several, in
// one pass over the data file: the digest wants this week's and last
// week's, and reading a million logs once instead of twice is what counts.
func insightReports(tx *store.Tx, cfg *config.Config, program string, from nudges.Date, tos []nudges.Date) ([]insight.Report, error) {
	f, err := newFeed(cfg, program)
	if err != nil {
		return nil, err
	}
	books := make([]*insight.Book, len(tos))
	for i, to := range tos {
		books[i] = f.newBook(from, to, false)
	}
	if err := f.scan(tx, books...); err != nil {
		return nil, err
	}
	tx.ReleaseMapped()
	out := make([]insight.Report, len(books))
	for i, b := range books {
		out[i] = b.Report()
	}
	return out, nil
}

// feed turns what the store holds into the facts a Book counts, for one
// program under one config: from a scan of the data file, and then (for
// the live figures) from each commit.
type feed struct {
	cfg       *config.Config
	prog      *nudges.Program
	scheduled nudges.Date // a learner's module date when the bot heard of none
	// What the learners' facts are made of: the earliest nudge about each
	// learner's module, their first application, their team.
	modules map[string]nudges.Date
	applied map[string]nudges.Date
	teamOf  map[string]string
}

func newFeed(cfg *config.Config, program string) (*feed, error) {
	prog := cfg.Program(program)
	if prog == nil {
		return nil, fmt.Errorf("report: no program has id %q", program)
	}
	f := &feed{cfg: cfg, prog: prog, scheduled: prog.Launch, modules: map[string]nudges.Date{},
		applied: map[string]nudges.Date{}, teamOf: map[string]string{}}
	if len(prog.Assignments) > 0 {
		f.scheduled = prog.Launch.AddDays(7 * (prog.Assignments[0].Week - 1))
	}
	return f, nil
}

func (f *feed) newBook(from, to nudges.Date, grows bool) *insight.Book {
	p := insight.Params{Program: f.prog, Targets: f.cfg.Targets, From: from, To: to, Grows: grows,
		MinGroup: f.cfg.Targets.MinGroup, Holdouts: map[string]float64{}}
	for _, c := range f.cfg.Cadences {
		if c.Program == f.prog.ID && c.Holdout > 0 {
			p.Holdouts[c.ID] = c.Holdout
		}
	}
	return insight.NewBook(p)
}

// local is the manager's own date at t.
func (f *feed) local(manager string, t time.Time) nudges.Date {
	if m := f.cfg.Manager(manager); m != nil && m.Calendar.Location != nil {
		t = t.In(m.Calendar.Location)
	}
	return nudges.DateOf(t)
}

// nudge is an outbox item as the figures see it; ok is false for an item
// of another program or a channel's. A nudge about a learner's module
// dates the module by the day it was due: moduleMoved says it moved the
// date earlier.
func (f *feed) nudge(it *store.Item) (n insight.Nudge, ok, moduleMoved bool) {
	if it.Program != f.prog.ID || it.Channel != "" {
		return n, false, false
	}
	at := it.ScheduledAt
	if !it.SentAt.IsZero() {
		at = it.SentAt
	}
	day := f.local(it.Manager, at)
	if it.Learner != "" && it.Module != "" {
		// The day the nudge was due, which its delivery (perhaps a retry
		// days later) does not move.
		due := f.local(it.Manager, it.ScheduledAt)
		if d, ok := f.modules[it.Learner]; !ok || due.Before(d) {
			f.modules[it.Learner] = due
			moduleMoved = true
		}
	}
	cadence := it.Cadence
	if cadence == "" {
		// A nudge an admin sent by hand follows no cadence: its figures
		// go under a name of their own.
		cadence = sentByAdmin
	}
	n = insight.Nudge{ID: it.ID, Manager: it.Manager, Cadence: cadence, Script: it.Script, Parent: it.Parent,
		Kind: it.Kind, Day: day, Failed: it.State == store.Failed, Expired: it.Answered == store.AnsweredExpired}
	if it.State == store.Sent {
		n.Sent = it.SentAt
	}
	return n, true, moduleMoved
}

// reply is a coaching log as the figures see it, dated on the manager's
// own calendar; ok is false for a log of another program.
func (f *feed) reply(l *store.Log) (insight.Reply, bool) {
	if l.Program != f.prog.ID && l.Program != "" {
		return insight.Reply{}, false
	}
	a := l.Answers
	return insight.Reply{Manager: l.Manager, Nudge: l.Nudge, Kind: l.Kind, Learner: l.Learner,
		Day: f.local(l.Manager, l.CreatedAt), At: l.CreatedAt, Minutes: l.Minutes, Kept: a[nudges.FieldKept],
		Rating: a["rating"], Reason: a[nudges.FieldReason], Win: a[nudges.FieldWin], Shared: a[nudges.FieldShare] == "yes",
		Hold: a[nudges.FieldHold]}, true
}

// learner is a learner of the roster as the figures see them now.
func (f *feed) learner(id string) insight.Learner {
	l := insight.Learner{ID: id, Team: f.teamOf[id], Module: f.scheduled, Applied: f.applied[id]}
	if d, ok := f.modules[id]; ok {
		l.Module = d
	}
	return l
}

// scan feeds books everything the data file holds of the program.
func (f *feed) scan(tx *store.Tx, books ...*insight.Book) error {
	err := tx.Items(func(it *store.Item) error {
		if n, ok, _ := f.nudge(it); ok {
			for _, b := range books {
				b.AddNudge(n)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.EachLog(func(l *store.Log) error {
		if r, ok := f.reply(l); ok {
			for _, b := range books {
				b.AddReply(r)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range f.cfg.Teams {
		if m := f.cfg.Manager(t.Manager); m == nil || !m.Enrolled(f.prog.ID) {
			continue
		}
		for _, b := range books {
			b.AddTeam(insight.Team{ID: t.ID, Name: t.Name, Manager: t.Manager})
		}
		for _, mb := range t.Members {
			f.teamOf[mb.ID] = t.ID
			fa, err := tx.FirstApplication(f.prog.ID, mb.ID)
			if err != nil {
				return err
			}
			if fa != nil {
				f.applied[mb.ID] = fa.Date
			}
			l := f.learner(mb.ID)
			for _, b := range books {
				b.AddLearner(l)
			}
		}
	}
	return nil
}
