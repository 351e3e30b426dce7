package insight

import "github.com/nudgebot/nudgebot/nudges"

// dayNum is the number of days from 1970-01-01 to d, by integer arithmetic
// (Hinnant's days_from_civil). A report places millions of facts in
// program weeks; going through time.Date for each is most of its cost.
func dayNum(d nudges.Date) int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// week is the program week of a day number, as nudges.Program.Week counts.
func week(days, launch int) int {
	if d := days - launch; d >= 0 {
		return d/7 + 1
	} else {
		return -((-d - 1) / 7)
	}
}
