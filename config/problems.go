package config

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Problem is one thing wrong with the configuration, located precisely
// enough for an L&D admin to find and fix it in their editor.
type Problem struct {
	File string // the config file, or the CSV roster
	Line int    // 1-based; 0 when no line applies (e.g. a missing section)
	Key  string // key path such as managers[2].timezone, or a CSV column
	Msg  string
}

// String formats the problem as FILE:LINE: key.path: message, the shape
// editors and CI logs turn into clickable locations.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one load. Load returns all of them at
// once so an admin fixes the file in one pass, not one error per restart.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// maxFileProblems caps what one roster file may report: a CSV with the wrong
// delimiter would otherwise produce a hundred thousand identical lines.
const maxFileProblems = 100

// collector gathers problems for one load.
type collector struct {
	file  string    // the config file as named by the caller
	index *keyIndex // key path → line in the config file
	list  Problems
	// perFile counts problems per secondary file (the roster) for the cap;
	// dropped counts what the cap left out.
	perFile map[string]int
	dropped map[string]int
}

// add records a problem at key path key of the config file; the line comes
// from the document index.
func (c *collector) add(key, format string, args ...any) {
	c.list = append(c.list, Problem{File: c.file, Line: c.index.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// at records a problem at a known place in another file (the CSV roster).
func (c *collector) at(file string, line int, key, format string, args ...any) {
	if c.perFile == nil {
		c.perFile, c.dropped = map[string]int{}, map[string]int{}
	}
	if c.perFile[file] >= maxFileProblems {
		c.dropped[file]++
		return
	}
	c.perFile[file]++
	c.list = append(c.list, Problem{File: file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// result returns the problems in reading order: the config file first, top
// to bottom, then each other file; nil when there are none.
func (c *collector) result() error {
	if len(c.list) == 0 {
		return nil
	}
	rank := func(p Problem) int {
		if p.File == c.file {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(c.list, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	for _, file := range slices.Sorted(maps.Keys(c.dropped)) {
		c.list = append(c.list, Problem{File: file, Msg: fmt.Sprintf("%d more problems not shown; fix the ones above first", c.dropped[file])})
	}
	return c.list
}
