package nudges

import (
	"fmt"
	"strings"
	"time"
)

// Calendar is when a manager may be nudged: their time zone, working days and
// hours, holidays and out-of-office ranges. Everything else in scheduling
// is filtered through it, so respect for a manager's time is one rule kept in
// one place.
type Calendar struct {
	Location    *time.Location
	Days        [7]bool // indexed by time.Weekday
	Start, End  Clock   // working hours, Start < End, End may be 24:00
	Holidays    map[Date]bool
	OutOfOffice []DateRange
}

// Clock is a time of day in minutes after midnight (0–1440).
type Clock int

// ParseClock reads HH:MM; 24:00 is allowed as the end of a day.
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not a time of day (want HH:MM)", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day (want HH:MM)", s)
	}
	return Clock(h*60 + m), nil
}

// ParseHours reads a working-hours range such as "09:00-17:30".
func ParseHours(s string) (start, end Clock, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a range of hours (want HH:MM-HH:MM)", s)
	}
	if start, err = ParseClock(strings.TrimSpace(a)); err != nil {
		return 0, 0, err
	}
	if end, err = ParseClock(strings.TrimSpace(b)); err != nil {
		return 0, 0, err
	}
	if start >= end {
		return 0, 0, fmt.Errorf("working hours %q end before they start", s)
	}
	return start, end, nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseWeekday reads a three-letter English day name (mon, tue, …), any case.
func ParseWeekday(s string) (time.Weekday, error) {
	d, ok := weekdayNames[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, fmt.Errorf("%q is not a day (want mon, tue, wed, thu, fri, sat or sun)", s)
	}
	return d, nil
}

// IsWorkingDay reports whether the manager works on d: a working weekday that
// is neither a holiday nor inside an out-of-office range.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if !c.Days[d.Weekday()] || c.Holidays[d] {
		return false
	}
	for _, r := range c.OutOfOffice {
		if r.Contains(d) {
			return false
		}
	}
	return true
}

// At returns the instant of local date d at clock time hm in the manager's
// zone. A time inside a spring-forward gap does not exist; it maps to the
// first instant after the gap. A time repeated by a fall-back maps to its
// first occurrence, so callers that walk dates fire it once.
//
// Go's time.Date leaves both cases unspecified (in practice it differs by
// zone), so both are resolved explicitly here.
func (c *Calendar) At(d Date, hm Clock) time.Time {
	h, m := int(hm)/60, int(hm)%60
	t := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, c.Location)
	if h == 24 {
		return t
	}
	if got := Clock(t.Hour()*60 + t.Minute()); got != hm || DateOf(t) != d {
		// In a gap: t landed on one side of it. The gap's end is the start
		// of the zone period after it.
		start, end := t.ZoneBounds()
		if got < hm && DateOf(t) == d || DateOf(t).Before(d) {
			return end
		}
		return start
	}
	// In a repeat, an earlier instant shows the same clock time.
	for _, back := range []time.Duration{2 * time.Hour, time.Hour, 30 * time.Minute} {
		if e := t.Add(-back); e.Hour() == h && e.Minute() == m && DateOf(e) == d {
			return e
		}
	}
	return t
}

// InHours reports whether t falls inside working hours on a working day.
func (c *Calendar) InHours(t time.Time) bool {
	lt := t.In(c.Location)
	d := DateOf(lt)
	if !c.IsWorkingDay(d) {
		return false
	}
	return !t.Before(c.At(d, c.Start)) && t.Before(c.At(d, c.End))
}

// maxSearchDays bounds every forward search: a calendar with no working day in
// a year (all holidays, endless leave) yields nothing instead of looping.
const maxSearchDays = 400

// NextWorkingInstant returns t itself when it is inside working time, else the
// start of the next working window. ok is false when none exists within
// maxSearchDays.
func (c *Calendar) NextWorkingInstant(t time.Time) (time.Time, bool) {
	d := DateOf(t.In(c.Location))
	for i := 0; i < maxSearchDays; i, d = i+1, d.AddDays(1) {
		if !c.IsWorkingDay(d) {
			continue
		}
		start, end := c.At(d, c.Start), c.At(d, c.End)
		if t.Before(start) {
			return start, true
		}
		if t.Before(end) {
			return t, true
		}
	}
	return time.Time{}, false
}
