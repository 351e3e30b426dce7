package lms

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// splitObject is what json.Unmarshal into a map[string]json.RawMessage
// does for a statement's top level, in one pass after validation instead
// of a second decoding one: the values are raw's own bytes, not copies.
// It reports false for anything but a valid JSON object; the caller then
// asks encoding/json, whose error says what is wrong. valid: raw is known
// to be valid JSON (an element of an array found valid).
func splitObject(raw []byte, valid bool) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 || !valid && !json.Valid(raw) {
		return nil, false
	}
	i := skipSpace(raw, 0)
	if raw[i] != '{' {
		return nil, false
	}
	props := make(map[string]json.RawMessage, 8)
	if i = skipSpace(raw, i+1); raw[i] == '}' {
		return props, true
	}
	for {
		end := skipString(raw, i)
		var k string
		if key := raw[i+1 : end-1]; bytes.IndexByte(key, '\\') < 0 && utf8.Valid(key) {
			k = string(key)
		} else if json.Unmarshal(raw[i:end], &k) != nil {
			return nil, false
		}
		i = skipSpace(raw, skipSpace(raw, end)+1) // past the colon
		vend := skipValue(raw, i)
		props[k] = raw[i:vend] // a repeated name: the last wins, as in encoding/json
		if i = skipSpace(raw, vend); raw[i] == '}' {
			return props, true
		}
		i = skipSpace(raw, i+1) // past the comma
	}
}

// splitArray is json.Unmarshal into a []json.RawMessage in one validating
// scan; the elements are raw's own bytes. It reports false for anything
// but a valid JSON array.
func splitArray(raw []byte) ([]json.RawMessage, bool) {
	if !json.Valid(raw) {
		return nil, false
	}
	i := skipSpace(raw, 0)
	if raw[i] != '[' {
		return nil, false
	}
	out := []json.RawMessage{}
	if i = skipSpace(raw, i+1); raw[i] == ']' {
		return out, true
	}
	for {
		end := skipValue(raw, i)
		out = append(out, raw[i:end])
		if i = skipSpace(raw, end); raw[i] == ']' {
			return out, true
		}
		i = skipSpace(raw, i+1) // past the comma
	}
}

// appendCompact is json.Compact for JSON known to be valid: the
// whitespace between tokens dropped, strings as they are.
func appendCompact(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			end := skipString(src, i)
			dst = append(dst, src[i:end]...)
			i = end - 1
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// The skips below read JSON already found valid: they need not check it.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) && bytes.IndexByte([]byte(",}] \t\r\n"), b[i]) < 0 {
		i++
	}
	return i
}
