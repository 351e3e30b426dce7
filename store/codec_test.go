package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// What is stored must read back unchanged, whichever encoding wrote it.
func TestCodecRoundTrip(t *testing.T) {
	at := time.Date(2026, 6, 2, 9, 30, 0, 123, time.UTC)
	log := Log{ID: "r1", Manager: "ann", Nudge: "n1", Kind: "checkin", Program: "p", Learner: "priya",
		CreatedAt: at, Minutes: 15, Answers: map[string]string{"tried": "the opening line", "win": "é ✓", "share": "yes"}}
	state := ManagerState{
		LastCheckIn: &CheckInRecall{Member: "priya", Action: "try it twice", Review: nudges.Date{Year: 2026, Month: 6, Day: 9}, At: at},
		Pledge:      &PledgeRecall{Text: "ask first", At: at, Reviewed: true},
		Streak:      3, Pledged: 5, Kept: 3, Partly: 1,
	}
	item := Item{ID: "n1", Manager: "ann", Kind: "pledge", Channel: "C1", ScheduledAt: at, NextAttempt: at, State: Sent, Attempts: 2, Ref: "C1/1.2", Answered: AnsweredLogged}
	due := Due{At: at, ID: "n2", Manager: "ann", Cadence: "c", Kind: "checkin", Local: "2026-06-02", Parent: "n1", Reminder: 1, Gen: 42}

	var gotLog Log
	if err := decodeLog(encodeLog(&log), &gotLog); err != nil || !reflect.DeepEqual(gotLog, log) {
		t.Errorf("log: %+v %v", gotLog, err)
	}
	var gotState ManagerState
	if err := decodeManagerState(encodeManagerState(&state), &gotState); err != nil || !reflect.DeepEqual(gotState, state) {
		t.Errorf("state: %+v %v", gotState, err)
	}
	// The fatigue guardrail's fields, written after the others.
	held := state
	held.Ignored, held.Hold, held.HoldUntil = 4, "paused", at.Add(28*24*time.Hour)
	var gotHeld ManagerState
	if err := decodeManagerState(encodeManagerState(&held), &gotHeld); err != nil || !reflect.DeepEqual(gotHeld, held) {
		t.Errorf("held state: %+v %v", gotHeld, err)
	}
	var empty ManagerState
	if err := decodeManagerState(encodeManagerState(&ManagerState{}), &empty); err != nil || !reflect.DeepEqual(empty, ManagerState{}) {
		t.Errorf("empty state: %+v %v", empty, err)
	}
	var gotItem Item
	if err := decodeItem(encodeItem(&item), &gotItem); err != nil || !reflect.DeepEqual(gotItem, item) {
		t.Errorf("item: %+v %v", gotItem, err)
	}
	var gotDue Due
	if err := decodeDue(encodeDue(&due), &gotDue); err != nil || !reflect.DeepEqual(gotDue, due) {
		t.Errorf("due: %+v %v", gotDue, err)
	}
	// A deferred row keeps when it first came due; one without reads as before.
	deferred := due
	deferred.Since = at.Add(-time.Hour)
	if err := decodeDue(encodeDue(&deferred), &gotDue); err != nil || !reflect.DeepEqual(gotDue, deferred) {
		t.Errorf("deferred due: %+v %v", gotDue, err)
	}
	// Records stored as JSON before the binary form still read.
	raw, _ := json.Marshal(log)
	var fromJSON Log
	if err := decodeLog(raw, &fromJSON); err != nil || fromJSON.Answers["win"] != "é ✓" {
		t.Errorf("JSON log: %+v %v", fromJSON, err)
	}
	raw, _ = json.Marshal(item)
	if err := decodeItem(raw, &gotItem); err != nil || gotItem.ID != item.ID || gotItem.State != item.State || !gotItem.ScheduledAt.Equal(item.ScheduledAt) {
		t.Errorf("JSON item: %+v %v", gotItem, err)
	}
	raw, _ = json.Marshal(due)
	if err := decodeDue(raw, &gotDue); err != nil || gotDue.ID != due.ID || gotDue.Gen != due.Gen || !gotDue.At.Equal(due.At) {
		t.Errorf("JSON due: %+v %v", gotDue, err)
	}
	// A truncated record is an error, not a panic or a half-read value.
	enc := encodeLog(&log)
	if err := decodeLog(enc[:len(enc)/2], &Log{}); err == nil {
		t.Error("a truncated log decoded without error")
	}
}

// A check-in recalled without a review date reads back as one: the zero
// date used to be written as "0000-00-00", which then failed to decode.
func TestCodec_ZeroReviewDateRoundTrips(t *testing.T) {
	at := time.Date(2026, 6, 2, 9, 30, 0, 0, time.UTC)
	state := ManagerState{LastCheckIn: &CheckInRecall{Member: "priya", Action: "try it", At: at}}
	var got ManagerState
	if err := decodeManagerState(encodeManagerState(&state), &got); err != nil || !reflect.DeepEqual(got, state) {
		t.Fatalf("got %+v, %v; want %+v", got, err, state)
	}
}
