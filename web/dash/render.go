package dash

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// page is what every template gets: the layout's needs and the page's Data.
type page struct {
	Title, Nav string
	User       string
	Admin      bool
	CSRF       string
	Programs   []ProgramInfo
	Program    ProgramInfo
	Query      url.Values
	Data       any
}

var funcs = template.FuncMap{
	"pct":    pct,
	"share":  shareSVG,
	"date":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"prefix": func() string { return Prefix },
	"list":   func(xs ...string) []string { return xs },
	// q returns the page's query with key set to value, for links that
	// keep the filters (next page, another program).
	"q": func(q url.Values, kv ...string) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				c.Del(kv[i])
			} else {
				c.Set(kv[i], kv[i+1])
			}
		}
		return c.Encode()
	},
}

// parsePages builds one template set per page: the layout plus the page.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.tmpl")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".tmpl")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render executes a page into a buffer first: a template error is a 500,
// never half a page.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := d.pages[name]
	var buf bytes.Buffer
	if t == nil {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		d.log.Error().Err(err).Str("page", name).Msg("dashboard page failed")
		http.Error(w, "this page failed; see the bot's log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (d *Dashboard) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := page{Title: http.StatusText(status), Data: msg}
	if ss := d.session(r); ss != nil {
		p.User, p.Admin, p.CSRF = ss.user, ss.role == RoleAdmin, ss.csrf
	}
	d.render(w, r, status, "error", p)
}

// base is a page for a signed-in person, with the program chosen by the
// query (the first one by default).
func (d *Dashboard) base(r *http.Request, ss *session, title, nav string) page {
	p := page{Title: title, Nav: nav, User: ss.user, Admin: ss.role == RoleAdmin, CSRF: ss.csrf,
		Programs: d.b.Programs(), Query: r.URL.Query()}
	want := r.URL.Query().Get("program")
	for _, pr := range p.Programs {
		if pr.ID == want || want == "" {
			p.Program = pr
			break
		}
	}
	if p.Program.ID == "" && len(p.Programs) > 0 {
		p.Program = p.Programs[0]
	}
	return p
}

func errText(err error) string { return fmt.Sprint(err) }
