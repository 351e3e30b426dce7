package bot

import (
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
)

// fingerprinter computes what a slot's occurrences were derived from, so a
// due row can be told current or superseded from the configuration alone.
type fingerprinter struct {
	cfg       *config.Config
	recurring []*nudges.Cadence
	cadenceFP map[*nudges.Cadence]uint64
	// holidays caches the hash of each holiday set: managers mostly share
	// the default one, and sorting it per row is most of a fingerprint.
	mu       sync.Mutex
	holidays map[unsafe.Pointer]uint64
}

func newFingerprinter(cfg *config.Config) *fingerprinter {
	f := &fingerprinter{cfg: cfg, cadenceFP: map[*nudges.Cadence]uint64{}, holidays: map[unsafe.Pointer]uint64{}}
	for _, c := range cfg.Cadences {
		if c.Recurring() {
			f.recurring = append(f.recurring, c)
			f.cadenceFP[c] = fingerprintCadence(cfg, c)
		}
	}
	return f
}

// slot is the fingerprint the schedule index holds for (m, c) under this
// configuration; ok is false when the pair has no slot at all.
func (f *fingerprinter) slot(m *nudges.Manager, c *nudges.Cadence) (uint64, bool) {
	cfp, ok := f.cadenceFP[c]
	if !ok || !c.For(m) {
		return 0, false
	}
	return f.fingerprintManager(m) ^ cfp, true
}

// fingerprintManager hashes what a manager's occurrences depend on: the
// calendar, the enrolment, the daily cap and the set of cadences competing
// for it. Any change recomputes that manager's next occurrences.
func (w *fingerprinter) fingerprintManager(m *nudges.Manager) uint64 {
	h := newHasher()
	cal := &m.Calendar
	h.str(cal.Location.String())
	for _, d := range cal.Days {
		h.bool(d)
	}
	h.int(int64(cal.Start))
	h.int(int64(cal.End))
	for _, r := range cal.OutOfOffice {
		h.str(r.From.String())
		h.str(r.To.String())
	}
	for _, p := range m.Programs {
		h.str(p)
	}
	h.int(int64(w.cfg.MaxPerDay))
	if w.cfg.MaxPerWeek > 0 {
		// Hashed only when set, so files scheduled before the weekly cap
		// existed keep their fingerprints.
		h.int(int64(w.cfg.MaxPerWeek))
	}
	h.int(int64(w.holidayFP(cal.Holidays)))
	for _, c := range w.recurring {
		if c.For(m) {
			h.int(int64(w.cadenceFP[c]))
		}
	}
	return h.Sum64()
}

// holidayFP hashes a holiday set in date order, once per set.
func (w *fingerprinter) holidayFP(set map[nudges.Date]bool) uint64 {
	key := reflect.ValueOf(set).UnsafePointer() // nil for no holidays
	w.mu.Lock()
	fp, ok := w.holidays[key]
	w.mu.Unlock()
	if ok {
		return fp
	}
	days := make([]nudges.Date, 0, len(set))
	for d, on := range set {
		if on {
			days = append(days, d)
		}
	}
	slices.SortFunc(days, nudges.Date.Compare)
	h := newHasher()
	for _, d := range days {
		h.str(d.String())
	}
	w.mu.Lock()
	w.holidays[key] = h.Sum64()
	w.mu.Unlock()
	return h.Sum64()
}

func fingerprintCadence(cfg *config.Config, c *nudges.Cadence) uint64 {
	h := newHasher()
	p := cfg.Program(c.Program)
	h.str(c.ID)
	h.str(string(c.Kind))
	h.str(c.Recurrence.String())
	h.int(int64(c.FromWeek))
	h.int(int64(c.ToWeek))
	for _, ph := range c.Phases {
		h.str(string(ph))
	}
	h.str(p.Launch.String())
	h.bool(p.Paused)
	return h.Sum64()
}

// hasher is FNV-1a over typed values, with separators so ("ab","c") and
// ("a","bc") differ. A value type with no allocation: the sweep
// fingerprints every row it moves.
type hasher struct{ h uint64 }

func newHasher() *hasher { return &hasher{h: 14695981039346656037} }

func (h *hasher) byte(b byte) { h.h = (h.h ^ uint64(b)) * 1099511628211 }

func (h *hasher) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
	h.byte(0)
}

func (h *hasher) int(v int64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (8 * i)))
	}
}

func (h *hasher) bool(v bool) {
	if v {
		h.byte(1)
	} else {
		h.byte(0)
	}
}

func (h *hasher) Sum64() uint64 { return h.h }
