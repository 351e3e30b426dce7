package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
)

// Records use this compact binary form: due rows and outbox items are read
// and written tens of thousands of times per sweep, coaching logs and
// manager state on every reply, and JSON cost more than the B+tree itself.
// A leading version byte leaves room to evolve the layout. Files written
// before hold JSON records (a JSON object starts with '{', never codecV1):
// those still decode, and are rewritten in this form when next changed.

const codecV1 = 1

// errCodec is a record that does not decode: the file's bytes changed.
var errCodec = fmt.Errorf("%w: a record does not decode", ErrDamaged)

// decodeJSON decodes a record in the first release's JSON form. Its error
// says what is wrong and where, never what the record holds: records carry
// coaching text, and encoding/json quotes values in some errors (a bad
// time, for one), which would carry that text to a terminal or a log.
func decodeJSON(b []byte, x any) error {
	err := json.Unmarshal(b, x)
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: invalid JSON at byte %d", errCodec, syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("%w: field %s does not hold a %s", errCodec, typ.Field, typ.Type)
	}
	return errCodec
}

type enc struct{ b []byte }

func (e *enc) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) int(v int64) { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) time(t time.Time) {
	if t.IsZero() {
		e.int(0)
		return
	}
	e.int(t.UnixNano())
}

type dec struct {
	b   []byte
	err error
}

func (d *dec) str() string {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || uint64(len(d.b)-k) < n {
		d.err = errCodec
		d.b = nil
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *dec) int() int64 {
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.err = errCodec
		d.b = nil
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *dec) time() time.Time {
	if v := d.int(); v != 0 {
		return time.Unix(0, v).UTC()
	}
	return time.Time{}
}

func (d *dec) version() {
	if len(d.b) == 0 || d.b[0] != codecV1 {
		d.err = errCodec
		d.b = nil
		return
	}
	d.b = d.b[1:]
}

func encodeDue(x *Due) []byte {
	e := enc{b: make([]byte, 0, 96)}
	e.b = append(e.b, codecV1)
	e.time(x.At)
	for _, s := range []string{x.ID, x.Manager, x.Cadence, string(x.Kind), x.Local, x.Parent, x.Learner, x.Module, x.Event} {
		e.str(s)
	}
	e.int(int64(x.Reminder))
	e.b = binary.BigEndian.AppendUint64(e.b, x.Gen)
	if !x.Since.IsZero() {
		// Optional and last, so rows written before it decode unchanged.
		e.time(x.Since)
	}
	return e.b
}

func decodeDue(b []byte, x *Due) error {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSON(b, x)
	}
	d := dec{b: b}
	d.version()
	x.At = d.time()
	x.ID, x.Manager, x.Cadence, x.Kind = d.str(), d.str(), d.str(), nudges.Kind(d.str())
	x.Local, x.Parent, x.Learner, x.Module, x.Event = d.str(), d.str(), d.str(), d.str(), d.str()
	x.Reminder = int(d.int())
	if d.err == nil && len(d.b) >= 8 {
		x.Gen = binary.BigEndian.Uint64(d.b)
		d.b = d.b[8:]
	} else {
		d.err = errCodec
	}
	if d.err == nil && len(d.b) > 0 {
		x.Since = d.time()
	}
	return d.err
}

func encodeItem(x *Item) []byte {
	e := enc{b: make([]byte, 0, 160)}
	e.b = append(e.b, codecV1)
	for _, s := range []string{x.ID, x.Manager, string(x.Kind), x.Cadence, x.Program, x.Script, x.Channel, x.Team,
		x.Local, x.Parent, x.Learner, x.Module, x.Log, string(x.State), x.Reason, x.Ref, x.Answered} {
		e.str(s)
	}
	e.int(int64(x.Reminder))
	e.int(int64(x.Attempts))
	e.time(x.ScheduledAt)
	e.time(x.NextAttempt)
	e.time(x.SentAt)
	// Added after the first binary release: records without them end here
	// and decode with both zero.
	e.time(x.FirstAttempt)
	var unsure int64
	if x.Unsure {
		unsure = 1
	}
	e.int(unsure)
	return e.b
}

func decodeItem(b []byte, x *Item) error {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSON(b, x)
	}
	d := dec{b: b}
	d.version()
	x.ID, x.Manager, x.Kind, x.Cadence, x.Program = d.str(), d.str(), nudges.Kind(d.str()), d.str(), d.str()
	x.Script, x.Channel, x.Team, x.Local, x.Parent = d.str(), d.str(), d.str(), d.str(), d.str()
	x.Learner, x.Module, x.Log, x.State, x.Reason = d.str(), d.str(), d.str(), State(d.str()), d.str()
	x.Ref, x.Answered = d.str(), d.str()
	x.Reminder, x.Attempts = int(d.int()), int(d.int())
	x.ScheduledAt, x.NextAttempt, x.SentAt = d.time(), d.time(), d.time()
	if d.err == nil && len(d.b) > 0 {
		x.FirstAttempt, x.Unsure = d.time(), d.int() == 1
	}
	return d.err
}

// Coaching logs and manager state are written on every reply, inside the
// group commit where every microsecond holds up 31 other writers, so they
// use the binary form too. Records written as JSON (first byte '{') still
// read.

func encodeLog(x *Log) []byte {
	e := enc{b: make([]byte, 0, 160)}
	e.b = append(e.b, codecV1)
	for _, s := range []string{x.ID, x.Manager, x.Nudge, x.Kind, x.Program, x.Learner} {
		e.str(s)
	}
	e.time(x.CreatedAt)
	e.int(int64(x.Minutes))
	keys := make([]string, 0, len(x.Answers))
	for k := range x.Answers {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same log always encodes the same way
	e.int(int64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(x.Answers[k])
	}
	return e.b
}

func decodeLog(b []byte, x *Log) error {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSON(b, x)
	}
	d := dec{b: b}
	d.version()
	x.ID, x.Manager, x.Nudge, x.Kind, x.Program, x.Learner = d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
	x.CreatedAt = d.time()
	x.Minutes = int(d.int())
	n := d.int()
	if n < 0 || n > int64(len(d.b)) {
		return errCodec
	}
	if n > 0 && x.Answers == nil { // EachLog hands in its map, emptied
		x.Answers = make(map[string]string, n)
	}
	for range n {
		k := d.str()
		x.Answers[k] = d.str()
	}
	return d.err
}

func encodeManagerState(x *ManagerState) []byte {
	e := enc{b: make([]byte, 0, 128)}
	e.b = append(e.b, codecV1)
	if c := x.LastCheckIn; c != nil {
		e.int(1)
		e.str(c.Member)
		e.str(c.Action)
		// The zero date (no review agreed) is stored as "", which decodes
		// back to it; its String form "0000-00-00" is no date at all.
		review := ""
		if !c.Review.IsZero() {
			review = c.Review.String()
		}
		e.str(review)
		e.time(c.At)
	} else {
		e.int(0)
	}
	if p := x.Pledge; p != nil {
		e.int(1)
		e.str(p.Text)
		e.time(p.At)
		e.int(map[bool]int64{false: 0, true: 1}[p.Reviewed])
	} else {
		e.int(0)
	}
	for _, v := range []int{x.Streak, x.Pledged, x.Kept, x.Partly} {
		e.int(int64(v))
	}
	e.str("") // formerly the latest nudge sent; notes now find the latest open one
	if x.Ignored != 0 || x.Hold != "" || !x.HoldUntil.IsZero() {
		// Optional and last, so states written before it decode unchanged.
		e.int(int64(x.Ignored))
		e.str(x.Hold)
		e.time(x.HoldUntil)
	}
	return e.b
}

func decodeManagerState(b []byte, x *ManagerState) error {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSON(b, x)
	}
	d := dec{b: b}
	d.version()
	if d.int() == 1 {
		c := &CheckInRecall{Member: d.str(), Action: d.str()}
		if r := d.str(); r != "" {
			if err := c.Review.UnmarshalText([]byte(r)); err != nil {
				return errCodec
			}
		}
		c.At = d.time()
		x.LastCheckIn = c
	}
	if d.int() == 1 {
		x.Pledge = &PledgeRecall{Text: d.str(), At: d.time(), Reviewed: d.int() == 1}
	}
	x.Streak, x.Pledged, x.Kept, x.Partly = int(d.int()), int(d.int()), int(d.int()), int(d.int())
	d.str() // see encodeManagerState
	if d.err == nil && len(d.b) > 0 {
		x.Ignored, x.Hold, x.HoldUntil = int(d.int()), d.str(), d.time()
	}
	return d.err
}
