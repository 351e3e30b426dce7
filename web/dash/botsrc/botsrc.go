// Package botsrc gives the dashboard its figures and actions from a running
// engine: the insights computed from the data file, the scheduler's own
// planner for the calendar, the store's logs, outbox and audit log, and the
// engine's pause, send and erase.
package botsrc

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/bot"
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

// Delivery counts the outbox by state (kept counters) and reads failed and
// skipped items for their reasons (a scan; the dashboard caches it).
func (s *Source) Delivery(ctx context.Context) (dash.Delivery, error) {
	var h dash.Delivery
	counts, err := s.e.Store().Counts()
	if err != nil {
		return h, err
	}
	for _, st := range store.States {
		h.States = append(h.States, insight.Count{Label: string(st), N: int(counts[st])})
	}
	failures := map[string]int{}
	type key struct{ manager, reason string }
	unreachable, suppressed := map[key]int{}, map[key]int{}
	err = s.e.Store().View(func(tx *store.Tx) error {
		return tx.Items(func(it *store.Item) error {
			switch it.State {
			case store.Failed:
				failures[reasonOf(it.Reason)]++
				unreachable[key{it.Manager, reasonOf(it.Reason)}]++
			case store.Skipped:
				suppressed[key{it.Manager, reasonOf(it.Reason)}]++
			}
			return nil
		})
	})
	if err != nil {
		return h, err
	}
	for r, n := range failures {
		h.Failures = append(h.Failures, insight.Count{Label: r, N: n})
	}
	slices.SortFunc(h.Failures, func(a, b insight.Count) int { return b.N - a.N })
	issues := func(m map[key]int) []dash.ManagerIssue {
		out := make([]dash.ManagerIssue, 0, len(m))
		for k, n := range m {
			out = append(out, dash.ManagerIssue{Manager: k.manager, Reason: k.reason, N: n})
		}
		slices.SortFunc(out, func(a, b dash.ManagerIssue) int {
			if a.N != b.N {
				return b.N - a.N
			}
			return strings.Compare(a.Manager+a.Reason, b.Manager+b.Reason)
		})
		return out
	}
	h.Unreachable, h.Suppressed = issues(unreachable), issues(suppressed)
	return h, nil
}

// reasonOf keeps a reason's first clause: reasons carry details (ids,
// times) that would make every failure its own group.
func reasonOf(r string) string {
	if r == "" {
		return "unknown"
	}
	if i := strings.IndexAny(r, ":("); i > 0 {
		r = r[:i]
	}
	return strings.TrimSpace(r)
}

// SetPaused is the engine's: stored, and the schedule recomputed at once.
func (s *Source) SetPaused(ctx context.Context, program string, paused bool) error {
	return s.e.SetPaused(ctx, program, paused)
}

// SendTest is the engine's "send now".
func (s *Source) SendTest(ctx context.Context, manager string, kind nudges.Kind) error {
	_, err := s.e.SendNow(ctx, manager, kind)
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
		p, err := tx.Person(id)
		found = err == nil && (len(p.Logs) > 0 || p.State != nil || len(p.Nudges) > 0 || len(p.FirstApplications) > 0)
		return err
	})
	return found
}

// Export is what the data file holds about a person, as indented JSON.
func (s *Source) Export(ctx context.Context, person string) ([]byte, error) {
	var p *store.PersonData
	err := s.e.Store().View(func(tx *store.Tx) (err error) {
		p, err = tx.Person(person)
		return err
	})
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(struct {
		ExportedAt time.Time `json:"exported_at"`
		*store.PersonData
	}{s.e.Now().UTC(), p}, "", "  ")
}

// Erase deletes what the data file holds about a person, in one commit.
func (s *Source) Erase(ctx context.Context, person string) (int, error) {
	var n int
	err := s.e.Store().Write(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.ErasePerson(person)
		return err
	})
	return n, err
}

// Record appends to the audit log.
func (s *Source) Record(ctx context.Context, e dash.AuditEntry) error {
	return s.e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.AddAudit(store.AuditEntry(e))
	})
}

// Audit lists audit entries newest first.
func (s *Source) Audit(ctx context.Context, offset, limit int) ([]dash.AuditEntry, error) {
	var out []dash.AuditEntry
	err := s.e.Store().View(func(tx *store.Tx) error {
		return tx.Audit(offset, func(e store.AuditEntry) bool {
			out = append(out, dash.AuditEntry(e))
			return len(out) < limit
		})
	})
	return out, err
}
