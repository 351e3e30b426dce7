package lms

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

// FuzzSplitObject: the one-pass splits of a statement's top level and of
// a batch's array, and the compaction the content hash reads, agree with
// encoding/json on every input: the same properties or elements with the
// same bytes, and no object or array where encoding/json finds none.
func FuzzSplitObject(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : 1 , "b":[1,{"c":"]}"}], "a":"x\"y" } `, `{"\u0069d":"x","k\\":null}`,
		`{"a":tru}`, `[1]`, `null`, `{"a":{"b":[]},"c":-1.5e3}`, "{\"\xff\":1}", `{"a":"b"}x`, `[ {"a" : [ 1 ,2]} , "x\\\"" ,null]`, `[]`, `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := splitObject(raw, false)
		var want map[string]json.RawMessage
		err := json.Unmarshal(raw, &want)
		if wantOK := err == nil && want != nil; ok != wantOK {
			t.Fatalf("split %q: ok %v, encoding/json: %v %v", raw, ok, want, err)
		}
		if ok {
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err != nil || string(appendCompact(nil, raw)) != c.String() {
				t.Fatalf("compact %q: %q, encoding/json %q (%v)", raw, appendCompact(nil, raw), c.Bytes(), err)
			}
		}
		var arr []json.RawMessage
		errArr := json.Unmarshal(raw, &arr)
		if els, okArr := splitArray(raw); okArr != (errArr == nil && arr != nil) ||
			okArr && !slices.EqualFunc(els, arr, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
			t.Fatalf("split array %q: %q %v, encoding/json %q %v", raw, els, okArr, arr, errArr)
		}
		if ok && !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
			t.Fatalf("split %q: %q, encoding/json %q", raw, got, want)
		}
	})
}
