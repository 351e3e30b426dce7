package nudges

import (
	"crypto/sha256"
	"encoding/binary"
)

// For reports whether the cadence nudges manager m: m takes part in its
// program and is not held out of it.
func (c *Cadence) For(m *Manager) bool {
	return m.Enrolled(c.Program) && !HeldOut(c.Program, c.ID, m.ID, c.Holdout)
}

// holdoutBuckets is the resolution of a hold-out share: a percentage with
// up to four decimals.
const holdoutBuckets = 1_000_000

// HeldOut reports whether manager is in the hold-out group of a cadence
// that holds out percent of its program's managers. The answer depends on
// the program, the cadence and the manager only — not on the roster's
// order, the time or a restart — so the groups stay put across reloads,
// and each cadence draws its own group, so holding out of one experiment
// says nothing about another.
func HeldOut(program, cadence, manager string, percent float64) bool {
	if percent <= 0 {
		return false
	}
	if percent >= 100 {
		return true
	}
	h := sha256.New()
	for _, s := range []string{"holdout", program, cadence, manager} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	v := binary.BigEndian.Uint64(h.Sum(nil)[:8]) % holdoutBuckets
	return v < uint64(percent*holdoutBuckets/100)
}
