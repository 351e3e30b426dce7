package nudges

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/robfig/cron/v3"
)

// Recurrence is a 5-field cron expression read in the manager's local time.
//
// robfig/cron parses the expression, but we walk local dates ourselves:
// cron's own Next skips a day whose time falls in a spring-forward gap and
// fires twice on a fall-back. Walking dates and mapping each (date, time) to
// one instant gives one nudge per scheduled day, whatever the zone does.
type Recurrence struct {
	spec  string
	sched *cron.SpecSchedule
	times []Clock // every hour×minute the spec allows, ascending
}

const cronStar = 1 << 63 // robfig/cron marks a field written as * with the top bit

// ParseRecurrence parses a standard 5-field cron expression (descriptors such
// as @weekly are accepted; @every and TZ= are not: the zone is the manager's).
func ParseRecurrence(spec string) (*Recurrence, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("cron expression %q names a time zone; schedules run in each manager's own zone", spec)
	}
	if strings.HasPrefix(s, "@every") {
		return nil, fmt.Errorf("cron expression %q: @every is not a calendar schedule", spec)
	}
	parsed, err := cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("cron expression %q: %v", spec, err)
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("cron expression %q is not a calendar schedule", spec)
	}
	r := &Recurrence{spec: s, sched: ss}
	for h := 0; h < 24; h++ {
		if ss.Hour&(1<<uint(h)) == 0 {
			continue
		}
		for m := 0; m < 60; m++ {
			if ss.Minute&(1<<uint(m)) != 0 {
				r.times = append(r.times, Clock(h*60+m))
			}
		}
	}
	if len(r.times) == 0 || bits.OnesCount64(ss.Month&^cronStar) == 0 || !r.someDayExists() {
		return nil, fmt.Errorf("cron expression %q never fires", spec)
	}
	return r, nil
}

// String is the expression as written.
func (r *Recurrence) String() string { return r.spec }

// Matches reports whether the expression fires on local date d, with cron's
// rule that day-of-month and day-of-week are OR-ed unless either is *.
func (r *Recurrence) Matches(d Date) bool {
	s := r.sched
	if s.Month&(1<<uint(d.Month)) == 0 {
		return false
	}
	dom := s.Dom&(1<<uint(d.Day)) != 0
	dow := s.Dow&(1<<uint(d.Weekday())) != 0
	if s.Dom&cronStar != 0 || s.Dow&cronStar != 0 {
		return dom && dow
	}
	return dom || dow
}

// Times lists the clock times the expression fires at on a matching day.
func (r *Recurrence) Times() []Clock { return r.times }

// someDayExists rejects expressions such as "0 9 30 2 *" (30 February):
// with day-of-week unrestricted, the day of month must exist in a month the
// expression names (29 February counts: leap years have it).
func (r *Recurrence) someDayExists() bool {
	s := r.sched
	if s.Dom&cronStar != 0 || s.Dow&cronStar == 0 {
		return true
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m <= 12; m++ {
		if s.Month&(1<<uint(m)) != 0 && s.Dom&(1<<uint(days[m]+1)-1) != 0 {
			return true
		}
	}
	return false
}
