package insight

import (
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
)

func TestDayNum_AgreesWithProgramWeek(t *testing.T) {
	p := &nudges.Program{Launch: nudges.Date{Year: 2024, Month: 2, Day: 26}}
	launch := dayNum(p.Launch)
	for i := -800; i <= 800; i++ {
		d := p.Launch.AddDays(i)
		if got := dayNum(d) - launch; got != i {
			t.Fatalf("dayNum(%s) − launch = %d, want %d", d, got, i)
		}
		if got, want := week(dayNum(d), launch), p.Week(d); got != want {
			t.Fatalf("week of %s = %d, want %d", d, got, want)
		}
	}
	if got := dayNum(nudges.Date{Year: 1970, Month: 1, Day: 1}); got != 0 {
		t.Errorf("dayNum(1970-01-01) = %d", got)
	}
}
