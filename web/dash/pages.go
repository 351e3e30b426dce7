package dash

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

// rowsPerPage bounds every table: a page costs the same with ten teams or
// ten thousand.
const rowsPerPage = 100

func (d *Dashboard) pageRoutes() map[string]handler {
	return map[string]handler{
		"/{$}":      d.overview,
		"/teams":    d.teams,
		"/flags":    d.flags,
		"/effect":   d.effect,
		"/delivery": d.delivery,
		"/calendar": d.calendar,
		"/logs":     d.logs,
		"/audit":    d.audit,
		"/actions":  d.actionsPage,
	}
}

// reportRange reads from and to from the query: the program's launch and
// today by default.
func (d *Dashboard) reportRange(r *http.Request, p ProgramInfo) (from, to nudges.Date, err error) {
	from, to = p.Launch, d.b.Today()
	if s := r.URL.Query().Get("from"); s != "" {
		if from, err = nudges.ParseDate(s); err != nil {
			return from, to, err
		}
	}
	if s := r.URL.Query().Get("to"); s != "" {
		if to, err = nudges.ParseDate(s); err != nil {
			return from, to, err
		}
	}
	if to.Before(from) {
		to = from
	}
	return from, to, nil
}

// figures is a program's report as L&D may see it (small teams withheld),
// with what pages add up from it made once per computation, not per view.
type figures struct {
	insight.View
	applied, counted int
	avgMinutes       float64
}

func newFigures(v insight.View) *figures {
	f := &figures{View: v}
	for _, t := range v.Teams {
		f.applied += t.Applied
		f.counted += t.Counted
	}
	total := 0.0
	for _, m := range v.Managers {
		total += m.PerWeek
	}
	if len(v.Managers) > 0 {
		f.avgMinutes = total / float64(len(v.Managers))
	}
	return f
}

// view is the chosen program's figures, from the cache.
func (d *Dashboard) view(r *http.Request, p ProgramInfo) (*figures, error) {
	from, to, err := d.reportRange(r, p)
	if err != nil {
		return nil, err
	}
	if lb, ok := d.b.(LiveBackend); ok && from == p.Launch && to == d.b.Today() {
		return d.live.get(r.Context(), p.ID, lb)
	}
	v, err := d.cache.get("report|"+p.ID+"|"+from.String()+"|"+to.String(), func() (any, error) {
		rep, err := d.b.Report(context.WithoutCancel(r.Context()), p.ID, from, to)
		if err != nil {
			return nil, err
		}
		return newFigures(rep.For(insight.LnD())), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*figures), nil
}

// withView renders a page built from the chosen program's report.
func (d *Dashboard) withView(w http.ResponseWriter, r *http.Request, ss *session, title, nav string, data func(p *page, v *figures) any) {
	p := d.base(r, ss, title, nav)
	if p.Program.ID == "" {
		d.errorPage(w, r, http.StatusNotFound, "No program is configured.")
		return
	}
	v, err := d.view(r, p.Program)
	if err != nil {
		d.errorPage(w, r, http.StatusBadRequest, "The figures cannot be shown: "+errText(err))
		return
	}
	p.Data = data(&p, v)
	d.render(w, r, http.StatusOK, nav, p)
}

func offset(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("offset"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// pageOf is xs[off:off+n] and the offset of the next page (0: none).
func pageOf[T any](xs []T, off, n int) ([]T, int) {
	if off >= len(xs) {
		return nil, 0
	}
	end := min(len(xs), off+n)
	next := 0
	if end < len(xs) {
		next = end
	}
	return xs[off:end], next
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, ss *session) {
	d.withView(w, r, ss, "Programs", "overview", func(p *page, v *figures) any {
		applied, counted, target := v.applied, v.counted, 0
		if len(v.Managers) > 0 {
			target = v.Managers[0].Target
		}
		avg := v.avgMinutes
		appTarget := 0.0
		if len(v.Teams) > 0 {
			appTarget = v.Teams[0].Target
		}
		re := v.Reach
		steps := []step{
			{Label: "Managers nudged", N: re.Nudged, Of: re.Managers},
			{Label: "Answered", N: re.Answered, Of: re.Managers},
			{Label: "Coached (check-in)", N: re.Coached, Of: re.Managers},
			{Label: "Learners applied", N: applied, Of: counted, Target: appTarget},
		}
		return map[string]any{"View": v.View, "Steps": steps, "Funnel": funnelSVG("Funnel: nudged, answered, coached, applied", steps),
			"Trend": trendSVG(v.Weeks), "AvgMinutes": int(avg + 0.5), "MinutesTarget": target,
			"Applied": applied, "Counted": counted, "AppTarget": appTarget}
	})
}

func (d *Dashboard) teams(w http.ResponseWriter, r *http.Request, ss *session) {
	d.withView(w, r, ss, "Teams", "teams", func(p *page, v *figures) any {
		teams := v.Teams
		if id := r.URL.Query().Get("team"); id != "" {
			teams = nil
			for _, t := range v.Teams {
				if t.Team == id {
					teams = append(teams, t)
				}
			}
		}
		rows, next := pageOf(teams, offset(r), rowsPerPage)
		type row struct {
			insight.TeamFigures
			Coach insight.ManagerFigures
		}
		out := make([]row, len(rows))
		for i, t := range rows {
			out[i] = row{TeamFigures: t}
			// A report lists managers by id.
			if j, ok := slices.BinarySearchFunc(v.Managers, t.Manager, func(m insight.ManagerFigures, id string) int {
				return strings.Compare(m.Manager, id)
			}); ok {
				out[i].Coach = v.Managers[j]
			}
		}
		return map[string]any{"Rows": out, "Next": next, "Total": len(teams), "MinGroup": v.MinGroup}
	})
}

func (d *Dashboard) flags(w http.ResponseWriter, r *http.Request, ss *session) {
	d.withView(w, r, ss, "Red flags and bright spots", "flags", func(p *page, v *figures) any {
		flags, nextF := pageOf(v.Flags, offset(r), rowsPerPage)
		spots, nextS := pageOf(v.Spots, offset(r), rowsPerPage)
		return map[string]any{"Flags": flags, "Spots": spots, "Next": max(nextF, nextS),
			"NFlags": len(v.Flags), "NSpots": len(v.Spots)}
	})
}

func (d *Dashboard) effect(w http.ResponseWriter, r *http.Request, ss *session) {
	d.withView(w, r, ss, "Nudge effectiveness", "effect", func(p *page, v *figures) any {
		var useful []insight.Count
		for _, c := range v.Cadences {
			label := c.Cadence
			if c.Script != "" {
				label += " · " + c.Script
			}
			useful = append(useful, insight.Count{Label: label, N: c.Answered})
		}
		return map[string]any{"Cadences": v.Cadences, "Experiments": v.Experiments,
			"Chart": countsSVG("Answers per cadence and script", useful)}
	})
}

func (d *Dashboard) delivery(w http.ResponseWriter, r *http.Request, ss *session) {
	p := d.base(r, ss, "Delivery health", "delivery")
	// Not cached: the backend keeps these figures live, and a failure
	// seen a minute late is a minute lost.
	h, err := d.b.Delivery(r.Context())
	if err != nil {
		d.errorPage(w, r, http.StatusInternalServerError, "Delivery health cannot be read: "+errText(err))
		return
	}
	un, _ := pageOf(h.Unreachable, 0, rowsPerPage)
	su, _ := pageOf(h.Suppressed, 0, rowsPerPage)
	p.Data = map[string]any{"States": h.States, "Failures": h.Failures, "Unreachable": un, "Suppressed": su,
		"NUnreachable": len(h.Unreachable), "NSuppressed": len(h.Suppressed), "Learning": h.Learning,
		"StatesChart": countsSVG("Outbox by state", h.States), "FailuresChart": countsSVG("Failures by reason", h.Failures)}
	d.render(w, r, http.StatusOK, "delivery", p)
}

func (d *Dashboard) calendar(w http.ResponseWriter, r *http.Request, ss *session) {
	p := d.base(r, ss, "Calendar preview", "calendar")
	q := r.URL.Query()
	f := PlanFilter{Program: q.Get("program"), Team: q.Get("team"), Manager: q.Get("manager"), Cadence: q.Get("cadence"),
		From: d.b.Today(), Days: 14, Offset: offset(r), Limit: rowsPerPage}
	if s := q.Get("from"); s != "" {
		from, err := nudges.ParseDate(s)
		if err != nil {
			d.errorPage(w, r, http.StatusBadRequest, "from: "+errText(err))
			return
		}
		f.From = from
	}
	if n, err := strconv.Atoi(q.Get("days")); err == nil {
		f.Days = max(1, min(n, 42))
	}
	plan, err := d.b.Plan(r.Context(), f)
	if err != nil {
		d.errorPage(w, r, http.StatusBadRequest, "The calendar cannot be shown: "+errText(err))
		return
	}
	total := 0
	for _, day := range plan.Days {
		total += len(day.Entries)
	}
	p.Data = map[string]any{"Plan": plan, "Filter": f, "Total": total}
	d.render(w, r, http.StatusOK, "calendar", p)
}

func logQuery(r *http.Request) LogQuery {
	q := r.URL.Query()
	return LogQuery{Person: q.Get("person"), Program: q.Get("program"), Kind: q.Get("kind"), Text: q.Get("q"),
		After: q.Get("after"), Limit: 50}
}

func (d *Dashboard) logs(w http.ResponseWriter, r *http.Request, ss *session) {
	p := d.base(r, ss, "Coaching logs", "logs")
	q := logQuery(r)
	res, err := d.b.Logs(r.Context(), q)
	if err != nil {
		d.errorPage(w, r, http.StatusBadRequest, "The logs cannot be read: "+errText(err))
		return
	}
	p.Data = map[string]any{"Page": res, "Query": q}
	d.render(w, r, http.StatusOK, "logs", p)
}

func (d *Dashboard) audit(w http.ResponseWriter, r *http.Request, ss *session) {
	p := d.base(r, ss, "Audit log", "audit")
	off := offset(r)
	es, err := d.b.Audit(r.Context(), off, rowsPerPage+1)
	if err != nil {
		d.errorPage(w, r, http.StatusInternalServerError, "The audit log cannot be read: "+errText(err))
		return
	}
	next := 0
	if len(es) > rowsPerPage {
		es, next = es[:rowsPerPage], off+rowsPerPage
	}
	p.Data = map[string]any{"Entries": es, "Next": next}
	d.render(w, r, http.StatusOK, "audit", p)
}
