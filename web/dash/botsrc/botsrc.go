// Package botsrc gives the dashboard its figures and actions from a running
// engine: the insights computed from the data file, the scheduler's own
// planner for the calendar, the store's logs, outbox and audit log, and the
// engine's pause, send and erase.
package botsrc

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
)

// Source implements dash.Backend over an engine.
type Source struct {
	e *bot.Engine
}

var _ dash.Backend = (*Source)(nil)

// New returns a source over a started engine.
func New(e *bot.Engine) *Source { return &Source{e: e} }

// Today is the bot's date in its default zone.
func (s *Source) Today() nudges.Date {
	return nudges.DateOf(s.e.Now().In(s.e.Config().Location))
}

// Programs lists the configuration's programs; the engine's configuration
// already has admins' pauses and resolved launches.
func (s *Source) Programs() []dash.ProgramInfo {
	cfg, today := s.e.Config(), s.Today()
	out := make([]dash.ProgramInfo, 0, len(cfg.Programs))
	for _, p := range cfg.Programs {
		w := p.Week(today)
		phase := ""
		if w > 0 {
			phase = string(p.Phase(today))
		}
		out = append(out, dash.ProgramInfo{ID: p.ID, Name: p.Name, Launch: p.Launch, Weeks: p.Weeks, Week: max(w, 0), Phase: phase, Paused: p.Paused})
	}
	return out
}

// Report is bot.InsightReport, the code behind `nudgebot report`.
func (s *Source) Report(ctx context.Context, program string, from, to nudges.Date) (insight.Report, error) {
	return bot.InsightReport(s.e.Store(), s.e.Config(), program, from, to)
}

// LiveReportSince is the engine's live figures from the launch to today:
// no scan per page view, and nothing at all while they stand.
func (s *Source) LiveReportSince(ctx context.Context, program string, have uint64) (insight.Report, uint64, bool, error) {
	return s.e.LiveReportSince(ctx, program, have)
}

// SendDigest queues the program's digest for the roster's L&D admins, as
// the engine composes it at send time.
func (s *Source) SendDigest(ctx context.Context, program string) (int, error) {
	ids, err := s.e.SendProgramDigest(ctx, program)
	return len(ids), err
}

// Digest writes the program's digest as of today, compared with a week ago.
func (s *Source) Digest(ctx context.Context, program string) (nudges.Message, error) {
	cfg, today := s.e.Config(), s.Today()
	p := cfg.Program(program)
	if p == nil {
		return nudges.Message{}, errNoProgram(program)
	}
	now, err := bot.InsightReport(s.e.Store(), cfg, program, p.Launch, today)
	if err != nil {
		return nudges.Message{}, err
	}
	var last *insight.View
	if prev := today.AddDays(-7); !prev.Before(p.Launch) {
		r, err := bot.InsightReport(s.e.Store(), cfg, program, p.Launch, prev)
		if err != nil {
			return nudges.Message{}, err
		}
		v := r.For(insight.LnD())
		last = &v
	}
	name := func(id string) string {
		if m := cfg.Manager(id); m != nil && m.Name != "" {
			return m.Name
		}
		return id
	}
	return insight.Digest(p, today, now.For(insight.LnD()), last, name)
}

type errNoProgram string

func (e errNoProgram) Error() string { return "no program has id " + string(e) }

// Delivery is the outbox by state and the LMS's statements by what became
// of them (the store's kept counters), and the engine's delivery health
// (kept as commits land): no view reads the outbox.
func (s *Source) Delivery(ctx context.Context) (dash.Delivery, error) {
	var h dash.Delivery
	counts, err := s.e.Store().Counts()
	if err != nil {
		return h, err
	}
	for _, st := range store.States {
		h.States = append(h.States, insight.Count{Label: string(st), N: int(counts[st])})
	}
	learning, err := s.e.Store().StatementCounts()
	if err != nil {
		return h, err
	}
	for status, n := range learning {
		h.Learning = append(h.Learning, insight.Count{Label: status, N: int(n)})
	}
	slices.SortFunc(h.Learning, func(a, b insight.Count) int { return strings.Compare(a.Label, b.Label) })
	dh, err := s.e.DeliveryHealth(ctx)
	if err != nil {
		return h, err
	}
	h.Failures = make([]insight.Count, len(dh.Failures))
	for i, f := range dh.Failures {
		h.Failures[i] = insight.Count{Label: f.Reason, N: f.N}
	}
	h.Unreachable, h.Suppressed = issues(dh.Unreachable), issues(dh.Suppressed)
	return h, nil
}

func issues(in []bot.ManagerReason) []dash.ManagerIssue {
	out := make([]dash.ManagerIssue, len(in))
	for i, m := range in {
		out[i] = dash.ManagerIssue{Manager: m.Manager, Reason: m.Reason, N: m.N}
	}
	return out
}

// SetPaused is the engine's: stored, and the schedule recomputed at once.
func (s *Source) SetPaused(ctx context.Context, actor, program string, paused bool) error {
	return s.e.SetPaused(converse.WithActor(ctx, actor), program, paused)
}

// SendTest is the engine's "send now".
func (s *Source) SendTest(ctx context.Context, actor, manager string, kind nudges.Kind) error {
	_, err := s.e.SendNow(converse.WithActor(ctx, actor), manager, kind)
	return err
}

// ManagerByEmail finds a manager by roster email.
func (s *Source) ManagerByEmail(email string) (string, bool) {
	if email == "" {
		return "", false
	}
	for _, m := range s.e.Config().Managers {
		if strings.EqualFold(m.Email, email) {
			return m.ID, true
		}
	}
	return "", false
}

// Known is true for a manager or learner on the roster, or anyone the
// data file holds records of (someone since removed from the roster can
// still be exported and erased).
func (s *Source) Known(ctx context.Context, id string) bool {
	cfg := s.e.Config()
	if cfg.Manager(id) != nil || cfg.TeamOfMember(id) != nil {
		return true
	}
	var found bool
	s.e.Store().View(func(tx *store.Tx) error {
		p, err := tx.Person(s.who(id))
		found = err == nil && !p.Empty()
		return err
	})
	return found
}

// who names a person as the roster knows them, so that their name and
// email in others' free text are found too (as the command line's erase
// does).
func (s *Source) who(id string) store.Who {
	cfg := s.e.Config()
	w := store.Who{IDs: []string{id}}
	add := func(name, email string) {
		if name != "" {
			w.Names = append(w.Names, name)
		}
		if email != "" {
			w.Emails = append(w.Emails, email)
		}
	}
	if m := cfg.Manager(id); m != nil {
		add(m.Name, m.Email)
	} else if t := cfg.TeamOfMember(id); t != nil {
		for _, mb := range t.Members {
			if mb.ID == id {
				add(mb.Name, mb.Email)
			}
		}
	}
	return w
}

// Export is what the data file holds about a person, as indented JSON:
// the same records as the command line's export -person.
func (s *Source) Export(ctx context.Context, person string) ([]byte, error) {
	var p store.Person
	err := s.e.Store().View(func(tx *store.Tx) (err error) {
		p, err = tx.Person(s.who(person))
		return err
	})
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(struct {
		ExportedAt time.Time    `json:"exported_at"`
		ID         string       `json:"id"`
		Records    store.Person `json:"records"`
	}{s.e.Now().UTC(), person, p}, "", "  ")
}

// Erase deletes what the data file holds about a person while the bot
// runs: the store's one erasure (their records, their name in others'
// free text redacted), in one commit, which also audits it by actor, in
// counts: an erasure is one audit entry, whoever asked for it. The pages
// bbolt freed still hold the old bytes until reused; the file is
// rewritten (store.Compact) when the bot next starts, or by the command
// line's erase.
func (s *Source) Erase(ctx context.Context, actor, person string) (int, error) {
	var done store.Erased
	err := s.e.Store().Write(ctx, func(tx *store.Tx) (err error) {
		done, err = tx.ErasePerson(s.who(person), actor, s.e.Now())
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := store.MarkCompactPending(s.e.Store().Path()); err != nil {
		return 0, fmt.Errorf("the records are erased, but the data file could not be marked for rewriting at the next start: %w", err)
	}
	n := done.Logs + done.Nudges + done.Scheduled + done.FirstApplications + done.Identities
	if done.State {
		n++
	}
	return n, nil
}

// personActions are the audit actions about one person: their entry
// keeps no trace of whom (an erasure's entry must not undo it).
var personActions = map[string]bool{"export": true, "erase": true}

// Record appends to the store's one audit log.
func (s *Source) Record(ctx context.Context, e dash.AuditEntry) error {
	a := store.Audit{At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Target, Result: e.Result}
	switch {
	case personActions[e.Action]:
		a.Detail = "one person's records"
	case e.Action == "test":
		_, kind, _ := strings.Cut(e.Target, ":") // manager:kind
		a.Detail = "a " + kind + " nudge to one manager"
	}
	return s.e.Store().Write(ctx, func(tx *store.Tx) error { return tx.AddAudit(a) })
}

// Audit lists audit entries newest first, from the dashboard, the command
// line and chat alike.
func (s *Source) Audit(ctx context.Context, offset, limit int) ([]dash.AuditEntry, error) {
	var out []dash.AuditEntry
	err := s.e.Store().View(func(tx *store.Tx) error {
		return tx.AuditNewest(offset, func(a store.Audit) bool {
			out = append(out, dash.AuditEntry{At: a.At, Actor: a.Actor, Action: a.Action, Target: a.Detail, Result: a.Result})
			return len(out) < limit
		})
	})
	return out, err
}
