package config

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
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
	colManagerTeamsID
	colMemberID
	colMemberName
	colMemberEmail
	colMemberLMSID // the learner's id in the LMS, matched to an xAPI account name
	numColumns
)

var columnNames = [numColumns]string{
	"team_id", "team_name", "team_channel",
	"manager_id", "manager_name", "manager_email", "manager_timezone", "working_days", "working_hours", "programs",
	"manager_teams_id",
	"member_id", "member_name", "member_email", "lms_id",
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
	rows int // lines in the file: at most one manager, team and learner each

	// Managers and teams from index firstManager and firstTeam on come
	// from the roster, and every later row naming one must repeat its
	// cells. Ids, names, emails and channels are compared with the Manager
	// or Team the first row built. The other manager cells (time zone,
	// working days and hours, programs) are not kept verbatim in a
	// Manager, but few combinations of them recur across a roster: each
	// is kept once in cellSets, and cellSet[i] numbers manager
	// firstManager+i's.
	firstManager, firstTeam int
	cellSet                 []uint32
	cellSets                [][4]string
	cellSetIDs              map[[4]string]uint32
	// teamsIDs is the manager_teams_id cell of the row that introduced
	// manager firstManager+i, where it was not blank (few rosters carry
	// one, so a map rather than a slice as long as the managers).
	teamsIDs map[int]string

	strs     strArena
	managers slab[nudges.Manager]
	teams    slab[nudges.Team]
	members  slab[nudges.Member]
}

// cellSetColumns are the managerColumns kept only in cellSets.
var cellSetColumns = managerColumns[2:]

// roster appends the CSV roster at rel (relative to the config file) to the
// managers and teams from the file. The file is streamed, not read whole:
// for 100,000 rows it is larger than everything kept from it.
func (l *loader) roster(rel string) {
	file := rel
	if !filepath.IsAbs(rel) {
		// Shown relative to where the config file was named, so the
		// location in a problem opens from the admin's shell.
		file = filepath.Join(filepath.Dir(l.c.file), rel)
	}
	l.rosterFile = file
	l.cfg.RosterPath = l.resolvePath(rel)
	f, err := os.Open(l.cfg.RosterPath)
	if err != nil {
		l.c.add("roster.csv", "cannot read the roster: %v", err)
		return
	}
	defer f.Close()
	// Counting the lines first costs a read of the file from the page
	// cache, and lets every slice and index be allocated once, at its
	// size: growing them step by step costs more, in time and in the
	// copies alive while they grow.
	// The count also bounds the file's size, before anything is kept.
	rows, err := countLines(f, maxRosterBytes)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if errors.Is(err, errTooLarge) {
		err = tooLarge(file, maxRosterBytes)
	}
	if err != nil {
		l.c.add("roster.csv", "cannot read the roster: %v", err)
		return
	}
	rr := &rosterReader{
		l:    l,
		file: file,
		// Limited again: the file may have grown since it was counted.
		r:            csv.NewReader(bufio.NewReaderSize(io.LimitReader(f, maxRosterBytes), 64<<10)),
		rows:         rows,
		firstManager: len(l.cfg.Managers),
		firstTeam:    len(l.cfg.Teams),
		cellSetIDs:   map[[4]string]uint32{},
		teamsIDs:     map[int]string{},
	}
	rr.r.ReuseRecord = true
	if !rr.header() {
		return
	}
	rr.reserve()
	for {
		rec, err := rr.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				l.c.at(file, 0, "", "cannot read the roster: %v", err)
				break
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
	// Trim what the line count over-reserved (rows that repeat a manager
	// or team) from what the Config keeps.
	l.cfg.Managers = trim(l.cfg.Managers)
	l.cfg.managers = l.cfg.Managers
	l.cfg.Teams = trim(l.cfg.Teams)
	l.cfg.teams = l.cfg.Teams
	l.cfg.learners = trim(l.cfg.learners)
}

// countLines counts the newlines in f.
func countLines(f *os.File, limit int64) (int, error) {
	buf := make([]byte, 64<<10)
	n := 0
	var size int64
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if size += int64(k); size > limit {
			return n, errTooLarge
		}
		if err == io.EOF {
			return n + 1, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// reserve sizes the config's slices and indexes for the roster's rows,
// once the header has said which columns there are.
func (rr *rosterReader) reserve() {
	l, n := rr.l, rr.rows
	people := n
	l.cfg.Managers = slices.Grow(l.cfg.Managers, n)
	l.cfg.managers = l.cfg.Managers
	l.managerSite = slices.Grow(l.managerSite, n)
	rr.cellSet = make([]uint32, 0, n)
	if rr.col[colTeamID] >= 0 {
		l.cfg.Teams = slices.Grow(l.cfg.Teams, n)
		l.cfg.teams = l.cfg.Teams
		l.teamSite = slices.Grow(l.teamSite, n)
		l.teamIDs.reserve(n, l.teamID)
		if rr.col[colMemberID] >= 0 {
			l.cfg.learners = slices.Grow(l.cfg.learners, n)
			l.learnerSite = slices.Grow(l.learnerSite, n)
			people += n
		}
	}
	l.cfg.people.reserve(people, l.cfg.personID)
}

// trim returns s without spare capacity when that is worth a copy.
func trim[T any](s []T) []T {
	if cap(s)-len(s) <= len(s)/8 {
		return s
	}
	return append([]T(nil), s...)
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
	l := rr.l
	var cells [numColumns]string
	for c := range cells {
		cells[c] = rr.cell(c)
	}
	if cells[colManagerID] == "" {
		rr.problem(colManagerID, "missing manager id (their chat user id)")
		return
	}
	managerID := rr.manager(&cells)

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
	ti := rr.team(managerID, &cells)

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
	if ti < 0 {
		l.claimLearner(memberID, -1, 0, rr.site(colMemberID))
		return
	}
	// Added before it is claimed: the index reads the id back from the
	// team.
	t := l.cfg.Teams[ti]
	mi := len(t.Members)
	if mi == 0 {
		// The first learner comes from a slab, capped so that a
		// second moves the team's learners to a slice of their own.
		t.Members = rr.members.take(1, rr.rows)[:0]
	}
	t.Members = append(t.Members, nudges.Member{
		ID:    rr.strs.add(memberID),
		Name:  rr.strs.add(cells[colMemberName]),
		Email: rr.strs.add(cells[colMemberEmail]),
		LMSID: rr.strs.add(cells[colMemberLMSID]),
	})
	l.claimLearner(t.Members[mi].ID, ti, mi, rr.site(colMemberID))
}
