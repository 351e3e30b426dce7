package lms

import (
	"encoding/json"
	"maps"
	"testing"
)

// FuzzSplitObject: the one-pass split of a statement's top level agrees
// with encoding/json on every input: the same properties with the same
// bytes, and no object where encoding/json finds none.
func FuzzSplitObject(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : 1 , "b":[1,{"c":"]}"}], "a":"x\"y" } `, `{"\u0069d":"x","k\\":null}`,
		`{"a":tru}`, `[1]`, `null`, `{"a":{"b":[]},"c":-1.5e3}`, "{\"\xff\":1}", `{"a":"b"}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := splitObject(raw)
		var want map[string]json.RawMessage
		err := json.Unmarshal(raw, &want)
		if wantOK := err == nil && want != nil; ok != wantOK {
			t.Fatalf("split %q: ok %v, encoding/json: %v %v", raw, ok, want, err)
		}
		if ok && !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
			t.Fatalf("split %q: %q, encoding/json %q", raw, got, want)
		}
	})
}
