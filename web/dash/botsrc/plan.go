package botsrc

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/web/dash"
)

// Plan is the calendar preview: the planner the scheduler fills the due
// table with (the one `nudgebot plan` prints), over a page of managers.
func (s *Source) Plan(ctx context.Context, f dash.PlanFilter) (dash.PlanPage, error) {
	cfg := s.e.Config()
	var page dash.PlanPage
	if f.Program != "" && cfg.Program(f.Program) == nil {
		return page, fmt.Errorf("no program has id %q", f.Program)
	}
	if f.Cadence != "" && cfg.Cadence(f.Cadence) == nil {
		return page, fmt.Errorf("no cadence has id %q", f.Cadence)
	}
	managers := cfg.Managers
	switch {
	case f.Manager != "":
		m := cfg.Manager(f.Manager)
		if m == nil {
			return page, fmt.Errorf("no manager %q on the roster", f.Manager)
		}
		managers = []*nudges.Manager{m}
	case f.Team != "":
		i := slices.IndexFunc(cfg.Teams, func(t *nudges.Team) bool { return t.ID == f.Team })
		if i < 0 {
			return page, fmt.Errorf("no team %q on the roster", f.Team)
		}
		if m := cfg.Manager(cfg.Teams[i].Manager); m != nil {
			managers = []*nudges.Manager{m}
		} else {
			managers = nil
		}
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	planner := cfg.Planner()
	byDay := map[nudges.Date][]dash.PlanEntry{}
	// Managers not in the program are skipped without counting against
	// the page, so a page of a filtered preview is not mostly empty.
	shown, i := 0, f.Offset
	for ; i < len(managers) && shown < f.Limit; i++ {
		m := managers[i]
		if f.Program != "" && !m.Enrolled(f.Program) {
			continue
		}
		shown++
		loc := m.Calendar.Location
		if loc == nil {
			loc = time.UTC
		}
		planner.Days(m, f.From, f.Days, func(o nudges.Occurrence) {
			if f.Program != "" && o.Program.ID != f.Program || f.Cadence != "" && o.Cadence.ID != f.Cadence {
				return
			}
			byDay[o.Local] = append(byDay[o.Local], dash.PlanEntry{Manager: m.ID, Cadence: o.Cadence.ID,
				Kind: string(o.Cadence.Kind), Program: o.Program.ID, Week: o.Program.Week(o.Local),
				Phase: string(o.Program.Phase(o.Local)), Local: o.At.In(loc).Format("15:04"), UTC: o.At.UTC()})
		})
	}
	if i < len(managers) {
		page.Next = i
	}
	for d := range byDay {
		es := byDay[d]
		slices.SortStableFunc(es, func(a, b dash.PlanEntry) int { return a.UTC.Compare(b.UTC) })
		page.Days = append(page.Days, dash.PlanDay{Date: d, Entries: es})
	}
	slices.SortFunc(page.Days, func(a, b dash.PlanDay) int { return a.Date.Compare(b.Date) })
	return page, nil
}
