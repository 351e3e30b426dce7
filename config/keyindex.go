package config

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyIndex maps key paths (managers[2].timezone) to where they are written
// in the document, and back. The decoder reports unknown keys and type
// errors by position and by a key without array indices, and validation
// knows only the path; walking the document once with the unstable parser
// joins the two, so every problem gets both a precise path and a line.
type keyIndex struct {
	lineStarts []int          // byte offset at which each line begins
	offset     map[string]int // path → offset of its key (or table header)
	path       map[int]string // offset of a key or of a value → its path
}

// indexDocument walks doc. It returns the parser's syntax error, if any;
// the index then covers the document up to that point.
func indexDocument(doc []byte) (*keyIndex, error) {
	x := &keyIndex{lineStarts: []int{0}, offset: map[string]int{}, path: map[int]string{}}
	for i, c := range doc {
		if c == '\n' {
			x.lineStarts = append(x.lineStarts, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(doc)
	// arrays counts the elements seen so far of each array of tables, keyed
	// by its indexed path, so [[programs.assignments]] numbers restart under
	// each [[programs]].
	arrays := map[string]int{}
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = x.header(e, arrays)
		case unstable.KeyValue:
			x.keyValue(table, e)
		}
	}
	return x, p.Error()
}

// header resolves a [table] or [[array]] header to its indexed path.
func (x *keyIndex) header(e *unstable.Node, arrays map[string]int) string {
	var parts []string
	it := e.Key()
	first := -1
	for it.Next() {
		k := it.Node()
		if first < 0 {
			first = int(k.Raw.Offset)
		}
		parts = append(parts, string(k.Data))
	}
	path := ""
	for i, part := range parts {
		path = join(path, part)
		n, isArray := arrays[path]
		switch {
		case i == len(parts)-1 && e.Kind == unstable.ArrayTable:
			arrays[path] = n + 1
			path += "[" + strconv.Itoa(n) + "]"
		case isArray:
			// A header below an array of tables extends its latest element.
			path += "[" + strconv.Itoa(n-1) + "]"
		}
	}
	x.record(path, first)
	return path
}

// keyValue indexes key = value under table, descending into inline tables
// and arrays (out_of_office = [{from = ..., to = ...}]).
func (x *keyIndex) keyValue(table string, kv *unstable.Node) {
	path := table
	first := -1
	it := kv.Key()
	for it.Next() {
		k := it.Node()
		if first < 0 {
			first = int(k.Raw.Offset)
		}
		path = join(path, string(k.Data))
	}
	x.record(path, first)
	x.value(path, kv.Value())
}

func (x *keyIndex) value(path string, v *unstable.Node) {
	switch v.Kind {
	case unstable.InlineTable:
		x.path[int(v.Raw.Offset)] = path
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				x.keyValue(path, c)
			}
		}
	case unstable.Array:
		// Array nodes carry no position of their own; their elements do.
		it := v.Children()
		for i := 0; it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			elem := path + "[" + strconv.Itoa(i) + "]"
			if c.Kind != unstable.Array {
				x.record(elem, int(c.Raw.Offset))
			}
			x.value(elem, c)
			i++
		}
	default:
		x.path[int(v.Raw.Offset)] = path
	}
}

func (x *keyIndex) record(path string, offset int) {
	if offset < 0 {
		return
	}
	if _, ok := x.offset[path]; !ok {
		x.offset[path] = offset
	}
	x.path[offset] = path
}

// line is the line of path, or of the nearest enclosing key or table that
// is written in the file (a missing required key points at its table's
// header), or 0.
func (x *keyIndex) line(path string) int {
	if x == nil {
		return 0
	}
	for p := path; p != ""; p = parent(p) {
		if off, ok := x.offset[p]; ok {
			return x.lineOf(off)
		}
	}
	return 0
}

func (x *keyIndex) lineOf(offset int) int {
	// The number of line starts at or before offset is the 1-based line.
	return sort.SearchInts(x.lineStarts, offset+1)
}

// at is the path of the key or value at a 1-based line and column, as the
// decoder reports them.
func (x *keyIndex) at(line, col int) (string, bool) {
	if x == nil || line < 1 || line > len(x.lineStarts) {
		return "", false
	}
	p, ok := x.path[x.lineStarts[line-1]+col-1]
	return p, ok
}

// parent strips the last component of a path: a.b[2].c → a.b[2] → a.b.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
