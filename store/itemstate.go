package store

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// ItemsIn calls fn for every outbox item in one of states, as Items would
// with a filter, but decodes only those: each record's state is read
// without decoding the rest. Reading the few failed and skipped nudges of
// a million (delivery health) then costs a walk of the bucket, not a
// million decodings, which were three quarters of it.
//
// Records the quick read cannot place (written as JSON by the first
// release, or damaged) are decoded in full, so damage there is reported
// as Items reports it; damage after the state of a record in another
// state goes unread, as it is by any read that does not need it.
func (t *Tx) ItemsIn(fn func(*Item) error, states ...State) error {
	// A record says pending while the sending index may hold it (see
	// Claim): asked for either, pending records are decoded and overlaid.
	pending := slices.Contains(states, Pending) || slices.Contains(states, Sending)
	return t.tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		if s, ok := recordState(v); ok && !(pending && string(s) == string(Pending)) && !inStates(states, s) {
			return nil
		}
		var it Item
		if err := decodeItem(v, &it); err != nil {
			return fmt.Errorf("decode outbox item %q: %w", k, err)
		}
		t.overlay(&it)
		if !slices.Contains(states, it.State) {
			return nil
		}
		return fn(&it)
	})
}

// itemStateField is the state's place among an item record's leading
// strings (see encodeItem).
const itemStateField = 13

// recordState reads an item record's state without decoding the record
// (or copying: the bytes are the record's); ok is false when the record
// is not in the binary form or ends early.
func recordState(b []byte) (state []byte, ok bool) {
	if len(b) == 0 || b[0] != codecV1 {
		return nil, false
	}
	b = b[1:]
	for i := 0; ; i++ {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, false
		}
		if i == itemStateField {
			return b[k : k+int(n)], true
		}
		b = b[k+int(n):]
	}
}

// inStates compares without converting s: string(s) == x allocates nothing.
func inStates(states []State, s []byte) bool {
	for _, st := range states {
		if string(s) == string(st) {
			return true
		}
	}
	return false
}
