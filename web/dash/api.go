package dash

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/nudgebot/nudgebot/nudges/insight"
)

// The JSON API serves BI tools the same figures as the pages, under the
// same sign-in (a session, or the admin token as a bearer token).

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (d *Dashboard) apiPrograms(w http.ResponseWriter, r *http.Request, ss *session) {
	type program struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Launch string `json:"launch"`
		Weeks  int    `json:"weeks"`
		Week   int    `json:"week"`
		Phase  string `json:"phase"`
		Paused bool   `json:"paused"`
	}
	out := []program{}
	for _, p := range d.b.Programs() {
		out = append(out, program{p.ID, p.Name, p.Launch.String(), p.Weeks, p.Week, p.Phase, p.Paused})
	}
	writeJSON(w, http.StatusOK, out)
}

// chosen is the program the query names; ok is false (and the answer
// written) when it names none that exists.
func (d *Dashboard) chosen(w http.ResponseWriter, r *http.Request, ss *session) (insight.View, bool) {
	f, ok := d.chosenFigures(w, r, ss)
	if !ok {
		return insight.View{}, false
	}
	return f.View, true
}

func (d *Dashboard) chosenFigures(w http.ResponseWriter, r *http.Request, ss *session) (*figures, bool) {
	p := d.base(r, ss, "", "")
	if want := r.URL.Query().Get("program"); (want != "" && p.Program.ID != want) || p.Program.ID == "" {
		apiError(w, http.StatusNotFound, "no such program")
		return nil, false
	}
	f, err := d.view(r, p.Program)
	if err != nil {
		apiError(w, http.StatusBadRequest, errText(err))
		return nil, false
	}
	return f, true
}

func (d *Dashboard) apiReport(w http.ResponseWriter, r *http.Request, ss *session) {
	if v, ok := d.chosen(w, r, ss); ok {
		writeJSON(w, http.StatusOK, v.Report)
	}
}

func (d *Dashboard) apiLogs(w http.ResponseWriter, r *http.Request, ss *session) {
	q := logQuery(r)
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil {
		q.Limit = max(1, min(n, 1000))
	}
	res, err := d.b.Logs(r.Context(), q)
	if err != nil {
		apiError(w, http.StatusBadRequest, errText(err))
		return
	}
	if res.Logs == nil {
		res.Logs = []LogRow{}
	}
	writeJSON(w, http.StatusOK, res)
}

// reportCSV downloads the program's report as long-form CSV, the format of
// `nudgebot report -format csv`. It is an admin's action: audited.
func (d *Dashboard) reportCSV(w http.ResponseWriter, r *http.Request, ss *session) {
	v, ok := d.chosen(w, r, ss)
	if !ok {
		return
	}
	d.audit1(r.Context(), ss, "report_csv", v.Program, "ok")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="nudgebot-report-`+safeName(v.Program)+`.csv"`)
	write := d.opt.WriteCSV
	if write == nil {
		write = reachCSV
	}
	if err := write(w, v); err != nil {
		d.log.Error().Err(err).Msg("dashboard: report CSV failed")
	}
}

// reachCSV is the CSV when the wiring gives no writer: reach and teams.
func reachCSV(out io.Writer, v insight.View) error {
	w := csv.NewWriter(out)
	w.Write([]string{"program", "from", "to", "section", "id", "figure", "value"})
	row := func(section, id, figure string, n any) {
		w.Write([]string{v.Program, v.From.String(), v.To.String(), section, id, figure, toString(n)})
	}
	row("reach", "", "managers", v.Reach.Managers)
	row("reach", "", "nudged", v.Reach.Nudged)
	row("reach", "", "answered", v.Reach.Answered)
	row("reach", "", "coached", v.Reach.Coached)
	for _, t := range v.Teams {
		if !t.Hidden {
			row("team", t.Team, "share", t.Share)
		}
	}
	w.Flush()
	return w.Error()
}

func toString(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', 4, 64)
	}
	return ""
}
