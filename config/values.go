package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/nudgebot/nudgebot/nudges"
)

// parseDuration reads a Go duration ("90m", "4h") and also whole days
// ("2d", "1d12h"), because L&D thinks of reminders and snoozes in days.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a duration (write e.g. 30m, 4h or 2d)", s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, bad
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || days > 0 && d < 0 {
		return 0, bad
	}
	return days + d, nil
}

// dateValue reads a date written either as a string ("2025-03-03") or as a
// bare TOML date (2025-03-03): both look right to a person editing the file.
func dateValue(v any) (nudges.Date, error) {
	switch v := v.(type) {
	case string:
		return nudges.ParseDate(strings.TrimSpace(v))
	case toml.LocalDate:
		return nudges.Date{Year: v.Year, Month: time.Month(v.Month), Day: v.Day}, nil
	default:
		return nudges.Date{}, fmt.Errorf("%s is not a date (want YYYY-MM-DD, e.g. \"2025-03-03\")", tomlValue(v))
	}
}

// parseLaunch reads a program launch: a date, or a day relative to the
// bot's first run ("first-run", "first-run-8d", "first-run+14d") so a pilot
// can be set up before anyone knows the go-live date.
func parseLaunch(v any) (d nudges.Date, offset int, relative bool, err error) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(strings.TrimSpace(s), "first-run") {
		d, err = dateValue(v)
		if err != nil {
			err = fmt.Errorf("%s is not a launch date (want YYYY-MM-DD, or first-run, first-run-8d, first-run+14d)", tomlValue(v))
		}
		return d, 0, false, err
	}
	rest := strings.TrimPrefix(strings.TrimSpace(s), "first-run")
	if rest == "" {
		return d, 0, true, nil
	}
	bad := fmt.Errorf("%q is not a launch date (want YYYY-MM-DD, or first-run, first-run-8d, first-run+14d)", s)
	if len(rest) < 3 || rest[0] != '+' && rest[0] != '-' || !strings.HasSuffix(rest, "d") {
		return d, 0, false, bad
	}
	n, convErr := strconv.Atoi(rest[1 : len(rest)-1])
	if convErr != nil || n < 0 || n > 3660 {
		return d, 0, false, bad
	}
	if rest[0] == '-' {
		n = -n
	}
	return d, n, true, nil
}

// parseWeeks reads a cadence's program-week window: "3-8", "2", or 2.
func parseWeeks(v any) (from, to int, err error) {
	switch v := v.(type) {
	case int64:
		return int(v), int(v), nil
	case string:
		a, b, isRange := strings.Cut(v, "-")
		from, err1 := strconv.Atoi(strings.TrimSpace(a))
		to, err2 := from, error(nil)
		if isRange {
			to, err2 = strconv.Atoi(strings.TrimSpace(b))
		}
		if err1 != nil || err2 != nil {
			return 0, 0, fmt.Errorf("%q is not a week range (want e.g. \"3-8\" or \"2\")", v)
		}
		return from, to, nil
	default:
		return 0, 0, fmt.Errorf("%s is not a week range (want e.g. \"3-8\" or \"2\")", tomlValue(v))
	}
}

var programIDPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validEmail is a deliberately loose shape check (something@domain.tld): it
// catches a name pasted into the email column without rejecting real
// addresses, and it is cheap enough for a 100,000-row roster.
func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || strings.ContainsAny(s, " \t<>,;") {
		return false
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

// tomlValue shows a decoded value the way it was written, for messages.
func tomlValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		return strconv.Quote(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprint(v)
	}
}

var typeMismatch = regexp.MustCompile(`cannot decode TOML (\w+) into .* of type (.+)$`)

// decodeMessage turns go-toml's Go-flavoured type errors ("cannot decode
// TOML string into struct field config.programFile.Weeks of type int") into
// what an admin needs to read.
func decodeMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "toml: ")
	m := typeMismatch.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	got := m[1]
	switch got {
	case "integer", "array":
		got = "an " + got
	case "inline", "table", "inline table":
		got = "a table"
	default:
		got = "a " + got
	}
	want := m[2]
	switch {
	case strings.HasPrefix(want, "[]string"):
		want = `a list of strings, e.g. ["a", "b"]`
	case strings.HasPrefix(want, "[]"):
		want = "a list"
	case strings.HasPrefix(want, "*int"), strings.HasPrefix(want, "int"):
		want = "a whole number"
	case want == "string":
		want = "a string in quotes"
	case want == "bool":
		want = "true or false"
	default:
		want = "a table"
	}
	return fmt.Sprintf("want %s, got %s", want, got)
}
