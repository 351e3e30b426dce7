package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Every record decoder returns an error on bytes it cannot read, never a
// panic; what decodes re-encodes to something that decodes the same.
func FuzzDecode(f *testing.F) {
	at := time.Date(2026, 6, 2, 9, 30, 0, 0, time.UTC)
	f.Add(encodeDue(&Due{At: at, ID: "n2", Manager: "ann", Kind: "checkin", Gen: 42}))
	f.Add(encodeItem(&Item{ID: "n1", Manager: "ann", State: Sent, ScheduledAt: at}))
	f.Add(encodeLog(&Log{ID: "r1", Manager: "ann", CreatedAt: at, Answers: map[string]string{"a": "b"}}))
	f.Add(encodeManagerState(&ManagerState{LastCheckIn: &CheckInRecall{Member: "x", Review: nudges.Date{Year: 2026, Month: 6, Day: 9}}, Pledge: &PledgeRecall{Text: "t"}}))
	raw, _ := json.Marshal(Log{ID: "r1"})
	f.Add(raw)
	st, _ := encodeStatement(&Statement{ID: "s1", Status: StatementEvent, DueKeys: [][]byte{{1, 2}}, Raw: json.RawMessage(`{"a":1}`)})
	f.Add(st)
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Due
		if decodeDue(b, &d) == nil && b[0] == codecV1 {
			var again Due
			if err := decodeDue(encodeDue(&d), &again); err != nil {
				t.Fatalf("due re-decode: %v", err)
			}
		}
		var it Item
		// The quick read of an item's state agrees with the full decoding.
		if decodeItem(b, &it) == nil && b[0] == codecV1 {
			if s, ok := recordState(b); !ok || string(s) != string(it.State) {
				t.Fatalf("state read as %q (%v), decoded as %q", s, ok, it.State)
			}
		} else {
			recordState(b)
		}
		var l Log
		decodeLog(b, &l)
		var m ManagerState
		if decodeManagerState(b, &m) == nil && b[0] == codecV1 {
			var again ManagerState
			if err := decodeManagerState(encodeManagerState(&m), &again); err != nil {
				t.Fatalf("state re-decode: %v", err)
			}
		}
		var s Statement
		if decodeStatement(b, &s) == nil {
			again, err := encodeStatement(&s)
			var s2 Statement
			if err != nil || decodeStatement(again, &s2) != nil {
				t.Fatalf("statement re-decode: %v", err)
			}
		}
		var fa FirstApplication
		decodeJSON(b, &fa)
		for _, check := range recordChecks {
			check(b, b)
		}
	})
}
