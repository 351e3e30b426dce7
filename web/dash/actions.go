package dash

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// An action is an admin's change. Each is a POST with the session's CSRF
// token, shown first as a confirmation page (nothing happens until the
// admin confirms), and recorded in the audit log with its outcome.
type actionSpec struct {
	title  string
	fields []string // form fields carried from the request to the confirmation
	// describe says what will happen, for the confirmation page; an error
	// is bad input, refused before anything changes.
	describe func(d *Dashboard, r *http.Request, ss *session) (what, target string, err error)
	// run does it; msg is shown to the admin.
	run func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (msg string, done bool, err error)
	// typed asks the admin to type the target to confirm.
	typed bool
	// audited says run records its success in the audit log itself, in
	// the same commit: the dashboard records only a failure, so an action
	// is one entry.
	audited bool
}

var actions = map[string]actionSpec{
	"pause": {title: "Pause a program", fields: []string{"program"},
		describe: func(d *Dashboard, r *http.Request, ss *session) (string, string, error) {
			p, err := d.programArg(r)
			return "Pause " + p.Name + ": no scheduled nudges go out until it is resumed. Nothing is lost.", p.ID, err
		},
		run: func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (string, bool, error) {
			return "Paused " + target + ".", false, d.b.SetPaused(r.Context(), ss.user, target, true)
		}, audited: true},
	"resume": {title: "Resume a program", fields: []string{"program"},
		describe: func(d *Dashboard, r *http.Request, ss *session) (string, string, error) {
			p, err := d.programArg(r)
			return "Resume " + p.Name + ": its scheduled nudges go out again from the next sweep.", p.ID, err
		},
		run: func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (string, bool, error) {
			return "Resumed " + target + ".", false, d.b.SetPaused(r.Context(), ss.user, target, false)
		}, audited: true},
	"test": {title: "Send a test nudge", fields: []string{"manager", "me", "kind"},
		describe: func(d *Dashboard, r *http.Request, ss *session) (string, string, error) {
			m, kind, err := d.testArgs(r, ss)
			return fmt.Sprintf("Send a %s nudge to %s now, outside working hours and the daily cap.", kind, m), m + ":" + string(kind), err
		},
		run: func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (string, bool, error) {
			m, kind, _ := strings.Cut(target, ":")
			return "Queued a test " + kind + " nudge for " + m + ".", false, d.b.SendTest(r.Context(), ss.user, m, nudges.Kind(kind))
		}, audited: true},
	"digest": {title: "Send the digest", fields: []string{"program"},
		describe: func(d *Dashboard, r *http.Request, ss *session) (string, string, error) {
			p, err := d.programArg(r)
			return "Send this week's L&D digest of " + p.Name + " from today's figures to the L&D admins on the roster, as direct messages.", p.ID, err
		},
		run: func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (string, bool, error) {
			m, err := d.b.Digest(r.Context(), target)
			if err != nil {
				return "", false, err
			}
			n, err := d.b.SendDigest(r.Context(), target)
			if err != nil {
				return "", false, err
			}
			if n == 0 {
				return m.Fallback + " No L&D admin is on the roster (admin = true), so it was sent to nobody.", false, nil
			}
			return fmt.Sprintf("%s Sent to %d L&D %s as a direct message.", m.Fallback, n, plural(n, "admin", "admins")), false, nil
		}},
	"export": {title: "Export a person", fields: []string{"person"},
		describe: func(d *Dashboard, r *http.Request, ss *session) (string, string, error) {
			id, err := d.personArg(r)
			return "Download everything the bot holds about " + id + " (their coaching logs, logs about them, nudges, first applications) as JSON.", id, err
		},
		run: func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (string, bool, error) {
			raw, err := d.b.Export(r.Context(), target)
			if err != nil {
				return "", false, err
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Disposition", `attachment; filename="nudgebot-export-`+safeName(target)+`.json"`)
			w.Write(raw)
			return "", true, nil
		}},
	"erase": {title: "Erase a person", fields: []string{"person"}, typed: true, audited: true,
		describe: func(d *Dashboard, r *http.Request, ss *session) (string, string, error) {
			id, err := d.personArg(r)
			return "Erase everything the bot holds about " + id + ": their coaching logs, logs about them, the bot's memory of them and their first applications. This cannot be undone.", id, err
		},
		run: func(d *Dashboard, w http.ResponseWriter, r *http.Request, ss *session, target string) (string, bool, error) {
			n, err := d.b.Erase(r.Context(), ss.user, target)
			return fmt.Sprintf("Erased %d records about %s.", n, target), false, err
		}},
}

func (d *Dashboard) programArg(r *http.Request) (ProgramInfo, error) {
	id := r.PostFormValue("program")
	i := slices.IndexFunc(d.b.Programs(), func(p ProgramInfo) bool { return p.ID == id })
	if i < 0 {
		return ProgramInfo{}, fmt.Errorf("no program has id %q", id)
	}
	return d.b.Programs()[i], nil
}

func (d *Dashboard) testArgs(r *http.Request, ss *session) (string, nudges.Kind, error) {
	kind := nudges.Kind(r.PostFormValue("kind"))
	if kind == "" {
		kind = nudges.KindCheckIn
	}
	if !kind.Valid() {
		return "", "", fmt.Errorf("unknown nudge kind %q", kind)
	}
	m := strings.TrimSpace(r.PostFormValue("manager"))
	if r.PostFormValue("me") == "yes" {
		id, ok := d.b.ManagerByEmail(ss.email)
		if !ok {
			return "", "", errors.New("you are not on the roster as a manager (by your sign-in email), so a test nudge cannot reach you; name a manager instead")
		}
		m = id
	}
	if m == "" {
		return "", "", errors.New("name a manager")
	}
	if !d.b.Known(r.Context(), m) {
		return "", "", fmt.Errorf("no manager %q on the roster", m)
	}
	return m, kind, nil
}

func (d *Dashboard) personArg(r *http.Request) (string, error) {
	id := strings.TrimSpace(r.PostFormValue("person"))
	if id == "" {
		return "", errors.New("name a person (their id)")
	}
	if !d.b.Known(r.Context(), id) {
		return "", fmt.Errorf("nobody with id %q is on the roster or in the data file", id)
	}
	return id, nil
}

// safeName keeps a file name to letters, digits, '-' and '_'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func (d *Dashboard) action(w http.ResponseWriter, r *http.Request, ss *session) {
	name := r.PathValue("name")
	a, ok := actions[name]
	if !ok {
		d.errorPage(w, r, http.StatusNotFound, "There is no such action.")
		return
	}
	what, target, err := a.describe(d, r, ss)
	if err != nil {
		d.errorPage(w, r, http.StatusBadRequest, a.title+": "+errText(err)+". Nothing was changed.")
		return
	}
	fields := map[string]string{}
	for _, f := range a.fields {
		fields[f] = r.PostFormValue(f)
	}
	p := d.base(r, ss, a.title, "actions")
	if r.PostFormValue("confirm") != "yes" {
		p.Data = map[string]any{"Name": name, "What": what, "Fields": fields, "Typed": a.typed, "Target": target}
		d.render(w, r, http.StatusOK, "confirm", p)
		return
	}
	if a.typed && r.PostFormValue("typed") != target {
		d.errorPage(w, r, http.StatusBadRequest, a.title+": the confirmation you typed is not "+target+". Nothing was changed.")
		return
	}
	msg, done, err := a.run(d, w, r, ss, target)
	d.cache.drop()
	d.live.drop()
	result := "ok"
	if err != nil {
		result = errText(err)
	}
	if err != nil || !a.audited {
		d.audit1(r.Context(), ss, name, target, result)
	}
	if done {
		return
	}
	if err != nil {
		d.errorPage(w, r, http.StatusInternalServerError, a.title+" failed: "+errText(err))
		return
	}
	p.Data = map[string]any{"Message": msg, "Digest": name == "digest"}
	d.render(w, r, http.StatusOK, "done", p)
}

// audit1 records an action. A failure to record is logged: the action
// already happened and the admin has been told.
func (d *Dashboard) audit1(ctx context.Context, ss *session, action, target, result string) {
	e := AuditEntry{At: d.now(), Actor: ss.user, Action: action, Target: target, Result: result}
	if err := d.b.Record(context.WithoutCancel(ctx), e); err != nil {
		d.log.Error().Err(err).Str("action", action).Msg("dashboard: audit entry not recorded")
	}
}

func (d *Dashboard) actionsPage(w http.ResponseWriter, r *http.Request, ss *session) {
	p := d.base(r, ss, "Actions", "actions")
	p.Data = map[string]any{"Kinds": nudges.Kinds}
	d.render(w, r, http.StatusOK, "actions", p)
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
