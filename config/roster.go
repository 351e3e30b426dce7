package config

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nudgebot/nudgebot/nudges"
)

// The roster's columns. HR exports carry one row per learner, so manager
// and team columns repeat; the header names the columns in any order.
const (
	colTeamID = iota
	colTeamName
	colTeamChannel
	colManagerID
	colManagerName
	colManagerEmail
	colManagerTimezone
	colWorkingDays
	colWorkingHours
	colPrograms
	colMemberID
	colMemberName
	colMemberEmail
	numColumns
)

var columnNames = [numColumns]string{
	"team_id", "team_name", "team_channel",
	"manager_id", "manager_name", "manager_email", "manager_timezone", "working_days", "working_hours", "programs",
	"member_id", "member_name", "member_email",
}

// managerColumns must agree on every row that names the same manager.
var managerColumns = []int{colManagerName, colManagerEmail, colManagerTimezone, colWorkingDays, colWorkingHours, colPrograms}

// teamColumns must agree on every row that names the same team.
var teamColumns = []int{colTeamName, colTeamChannel, colManagerID}

// rosterReader reads one CSV roster into the loader's config.
type rosterReader struct {
	l    *loader
	file string // as shown in problems
	r    *csv.Reader
	col  [numColumns]int // column index in the file, -1 when absent
	rec  []string

	// arena backs the cells kept per manager and team: one allocation per
	// few thousand rows rather than one per row.
	arena []string
}

// roster appends the CSV roster at rel (relative to the config file) to the
// managers and teams from the file.
func (l *loader) roster(rel string) {
	file := rel
	if !filepath.IsAbs(rel) {
		// Shown relative to where the config file was named, so the
		// location in a problem opens from the admin's shell.
		file = filepath.Join(filepath.Dir(l.c.file), rel)
	}
	l.cfg.RosterPath = l.resolvePath(rel)
	data, err := os.ReadFile(l.cfg.RosterPath)
	if err != nil {
		l.c.add("roster.csv", "cannot read the roster: %v", err)
		return
	}
	// Size the id maps for the whole roster up front: growing maps of
	// 100,000 entries step by step costs more than reading the file.
	rows := bytes.Count(data, []byte{'\n'}) + 1
	l.people = grow(l.people, 2*rows)
	l.teams = grow(l.teams, rows)
	l.notes = slices.Grow(l.notes, 2*rows)
	l.cfg.Managers = slices.Grow(l.cfg.Managers, rows)
	l.cfg.Teams = slices.Grow(l.cfg.Teams, rows)
	rr := &rosterReader{
		l:    l,
		file: file,
		r:    csv.NewReader(bytes.NewReader(data)),
	}
	rr.r.ReuseRecord = true
	if !rr.header() {
		return
	}
	for {
		rec, err := rr.r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				l.c.at(file, 0, "", "cannot read the roster: %v", err)
				return
			}
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				l.c.at(file, pe.StartLine, "", "row has %d cells but the header names %d columns", len(rec), rr.r.FieldsPerRecord)
			} else {
				l.c.at(file, pe.Line, "", "%v (column %d)", pe.Err, pe.Column)
			}
			continue
		}
		rr.rec = rec
		rr.row()
	}
}

// header reads the column names; the roster is not read further when they
// are wrong, since every row would then be misread.
func (rr *rosterReader) header() bool {
	rec, err := rr.r.Read()
	if err == io.EOF {
		rr.l.c.at(rr.file, 0, "", "the roster is empty: its first row must name the columns (%s)", strings.Join(columnNames[:], ","))
		return false
	}
	if err != nil {
		rr.l.c.at(rr.file, 1, "", "cannot read the header row: %v", err)
		return false
	}
	for i := range rr.col {
		rr.col[i] = -1
	}
	ok := true
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // spreadsheets save a byte-order mark
		}
		name = strings.ToLower(strings.TrimSpace(name))
		c := -1
		for j, known := range columnNames {
			if name == known {
				c = j
			}
		}
		switch {
		case c < 0:
			rr.l.c.at(rr.file, 1, name, "unknown column %q (the columns are %s)", name, strings.Join(columnNames[:], ", "))
			ok = false
		case rr.col[c] >= 0:
			rr.l.c.at(rr.file, 1, name, "column %q appears twice", name)
			ok = false
		default:
			rr.col[c] = i
		}
	}
	for _, c := range []int{colManagerID, colManagerName} {
		if rr.col[c] < 0 {
			rr.l.c.at(rr.file, 1, columnNames[c], "missing column %q", columnNames[c])
			ok = false
		}
	}
	return ok
}

func (rr *rosterReader) cell(c int) string {
	if rr.col[c] < 0 {
		return ""
	}
	return strings.TrimSpace(rr.rec[rr.col[c]])
}

// site is where column c of the current row is.
func (rr *rosterReader) site(c int) site {
	line := 0
	if rr.col[c] >= 0 {
		line, _ = rr.r.FieldPos(rr.col[c])
	} else {
		line, _ = rr.r.FieldPos(0)
	}
	return site{file: rr.file, line: line, key: columnNames[c]}
}

func (rr *rosterReader) problem(c int, format string, args ...any) {
	rr.l.report(rr.site(c), format, args...)
}

func (rr *rosterReader) row() {
	var cells [numColumns]string
	for c := range cells {
		cells[c] = rr.cell(c)
	}
	managerID := cells[colManagerID]
	if managerID == "" {
		rr.problem(colManagerID, "missing manager id (their chat user id)")
		return
	}
	rr.manager(managerID, &cells)

	teamID := cells[colTeamID]
	if teamID == "" {
		for _, c := range []int{colTeamName, colTeamChannel, colMemberID} {
			if cells[c] != "" {
				rr.problem(colTeamID, "missing team id: a row with a %s needs a team", columnNames[c])
				return
			}
		}
		return
	}
	t := rr.team(teamID, &cells)

	memberID := cells[colMemberID]
	if memberID == "" {
		if cells[colMemberName] != "" || cells[colMemberEmail] != "" {
			rr.problem(colMemberID, "missing member id for learner %q", cells[colMemberName]+cells[colMemberEmail])
		}
		return
	}
	if cells[colMemberName] == "" {
		rr.problem(colMemberName, "missing name for learner %q", memberID)
	}
	if e := cells[colMemberEmail]; e != "" && !validEmail(e) {
		rr.problem(colMemberEmail, "%q does not look like an email address", e)
	}
	if p := rr.l.claim(memberID, rr.site(colMemberID), true); p != nil {
		p.team = t
	}
	if t != nil {
		t.Members = append(t.Members, nudges.Member{ID: memberID, Name: cells[colMemberName], Email: cells[colMemberEmail]})
	}
}

// manager adds the row's manager the first time the id appears and checks
// later rows repeat the same details.
func (rr *rosterReader) manager(id string, cells *[numColumns]string) {
	l := rr.l
	if prev := l.people[id]; prev != nil {
		switch note := &l.notes[prev.note]; {
		case note.cells != nil:
			rr.same("manager", id, note, cells, managerColumns)
			return
		case !note.learner && rr.idOnly(cells):
			// A row may name a manager from the config file by id
			// alone, to give them a team from the roster.
			return
		}
	}
	p := l.claim(id, rr.site(colManagerID), false)
	if p == nil {
		return
	}
	l.notes[p.note].cells = rr.keep(cells, managerColumns)

	m := &nudges.Manager{ID: id, Name: cells[colManagerName], Email: cells[colManagerEmail], Programs: l.allPrograms}
	if m.Name == "" {
		rr.problem(colManagerName, "missing name for manager %q", id)
	}
	if m.Email != "" && !validEmail(m.Email) {
		rr.problem(colManagerEmail, "%q does not look like an email address", m.Email)
	}
	m.Calendar = nudges.Calendar{Location: l.defLoc, Days: l.defDays, Start: l.defStart, End: l.defEnd, Holidays: l.defHolidays}
	if tz := cells[colManagerTimezone]; tz != "" {
		if loc, err := l.location(tz); err != nil {
			rr.problem(colManagerTimezone, "%v", err)
		} else {
			m.Calendar.Location = loc
		}
	}
	if s := cells[colWorkingDays]; s != "" {
		if days, err := l.dayString(s); err != nil {
			rr.problem(colWorkingDays, "%v", err)
		} else {
			m.Calendar.Days = days
		}
	}
	if s := cells[colWorkingHours]; s != "" {
		if h, err := l.workingHours(s); err != nil {
			rr.problem(colWorkingHours, "%v", err)
		} else {
			m.Calendar.Start, m.Calendar.End = h[0], h[1]
		}
	}
	if s := cells[colPrograms]; s != "" {
		if ps, err := l.programString(s); err != nil {
			rr.problem(colPrograms, "%v", err)
		} else {
			m.Programs = ps
		}
	}
	p.manager = m
	l.cfg.Managers = append(l.cfg.Managers, m)
}

// team adds the row's team the first time the id appears; nil when the id
// belongs to a team from the config file.
func (rr *rosterReader) team(id string, cells *[numColumns]string) *nudges.Team {
	prev := rr.l.teams[id]
	switch {
	case prev != nil && prev.cells != nil:
		rr.same("team", id, prev, cells, teamColumns)
		return prev.team
	case prev != nil:
		rr.problem(colTeamID, "duplicate team id %q (also %s)", id, prev.at)
		return nil
	}
	t := &nudges.Team{ID: id, Name: cells[colTeamName], Channel: cells[colTeamChannel], Manager: cells[colManagerID]}
	e := &entry{at: rr.site(colTeamID), cells: rr.keep(cells, teamColumns), team: t}
	rr.l.teams[id] = e
	if t.Name == "" {
		rr.problem(colTeamName, "missing name for team %q", id)
	}
	if t.Channel == "" {
		rr.problem(colTeamChannel, "missing channel for team %q (the chat channel its summaries go to)", id)
	}
	rr.l.cfg.Teams = append(rr.l.cfg.Teams, t)
	return t
}

// same reports cells that differ from the row that introduced the manager
// or team: which row is right is for the admin to say, not for us to guess.
func (rr *rosterReader) same(what, id string, prev *entry, cells *[numColumns]string, cols []int) {
	for i, c := range cols {
		if cells[c] != prev.cells[i] {
			rr.problem(c, "%s %q has %s %q here but %q on line %d; every row for the same %s must agree",
				what, id, columnNames[c], cells[c], prev.cells[i], prev.at.line, what)
		}
	}
}

// keep copies the cells in cols for later rows to compare against.
func (rr *rosterReader) keep(cells *[numColumns]string, cols []int) []string {
	if cap(rr.arena)-len(rr.arena) < len(cols) {
		rr.arena = make([]string, 0, 4096)
	}
	n := len(rr.arena)
	for _, c := range cols {
		rr.arena = append(rr.arena, cells[c])
	}
	return rr.arena[n:len(rr.arena):len(rr.arena)]
}

// idOnly reports whether the row names its manager by id alone.
func (rr *rosterReader) idOnly(cells *[numColumns]string) bool {
	for _, c := range managerColumns {
		if cells[c] != "" {
			return false
		}
	}
	return true
}

// grow returns m with room for n entries.
func grow[V any](m map[string]V, n int) map[string]V {
	if len(m) >= n {
		return m
	}
	out := make(map[string]V, n)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// dayString reads a roster working_days cell such as "mon;tue;wed".
func (l *loader) dayString(s string) ([7]bool, error) {
	if c, ok := l.days[s]; ok {
		return c.v, c.err
	}
	var c cached[[7]bool]
	n := 0
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		d, err := nudges.ParseWeekday(part)
		if err != nil {
			c.err = err
			break
		}
		c.v[d] = true
		n++
	}
	if c.err == nil && n == 0 {
		c.err = fmt.Errorf("%q names no working day (write e.g. mon;tue;wed)", s)
	}
	l.days[s] = c
	return c.v, c.err
}

// programString reads a roster programs cell such as "lead-2025;pilot".
func (l *loader) programString(s string) ([]string, error) {
	if c, ok := l.progs[s]; ok {
		return c.v, c.err
	}
	var c cached[[]string]
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if l.programByID[part] == nil {
			c.err = fmt.Errorf("no program has id %q", part)
			break
		}
		c.v = append(c.v, part)
	}
	if c.err == nil && len(c.v) == 0 {
		c.v = l.allPrograms
	}
	c.v = slices.Clip(c.v) // shared by every manager with this cell
	l.progs[s] = c
	return c.v, c.err
}
