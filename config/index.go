package config

import (
	"hash/maphash"
	"strings"
)

// idIndex maps ids to small integers (refs) without storing the ids: each
// id already lives in a Manager, Team or Member, and key(ref) fetches it.
// A map[string]… for the 200,000 people of a 100,000-row roster costs
// about 35 bytes an entry (a 16-byte key header per slot, slots kept under
// 7/8 full in power-of-two tables); this table costs 5 bytes a slot, is
// allocated once when the roster's size is known, and is up to 4/5 full.
//
// It is open addressing with linear probing. Each slot keeps 8 bits of its
// id's hash, so a probe reads an id (a Manager or Member elsewhere in
// memory) only when those bits match, which is nearly always the id
// sought.
type idIndex struct {
	seed  maphash.Seed
	slots []uint32 // ref+1; 0 is an empty slot
	tags  []uint8  // per slot, the top bits of its id's hash
	n     int
}

// reserve makes room for n more ids without growing on the way.
func (x *idIndex) reserve(n int, key func(uint32) string) {
	if want := tableSize(x.n + n); want > len(x.slots) {
		x.rehash(want, key)
	}
}

// tableSize is the power of two that holds n ids at most 4/5 full.
func tableSize(n int) int {
	size := 16
	for 4*size < 5*n {
		size *= 2
	}
	return size
}

func (x *idIndex) hash(id string) (i int, tag uint8) {
	h := maphash.String(x.seed, id)
	return int(h & uint64(len(x.slots)-1)), uint8(h >> 56)
}

// find returns the ref stored for id; when there is none it returns the
// slot insert must be given to add id.
func (x *idIndex) find(id string, key func(uint32) string) (slot int, ref uint32, found bool) {
	if len(x.slots) == 0 {
		return -1, 0, false
	}
	mask := len(x.slots) - 1
	i, tag := x.hash(id)
	for {
		s := x.slots[i]
		if s == 0 {
			return i, 0, false
		}
		if x.tags[i] == tag && key(s-1) == id {
			return i, s - 1, true
		}
		i = (i + 1) & mask
	}
}

// lookup returns the ref stored for id.
func (x *idIndex) lookup(id string, key func(uint32) string) (uint32, bool) {
	_, ref, ok := x.find(id, key)
	return ref, ok
}

// insert stores ref in the slot find returned for its id. key(ref) must
// already return the id: growing the table reads every id back.
func (x *idIndex) insert(slot int, ref uint32, key func(uint32) string) {
	id := key(ref)
	if slot < 0 {
		x.rehash(tableSize(1), key)
		slot, _, _ = x.find(id, key)
	}
	_, tag := x.hash(id)
	x.slots[slot], x.tags[slot] = ref+1, tag
	x.n++
	if 4*len(x.slots) < 5*x.n {
		x.rehash(tableSize(x.n+1), key)
	}
}

func (x *idIndex) rehash(size int, key func(uint32) string) {
	old := x.slots
	if old == nil {
		x.seed = maphash.MakeSeed()
	}
	x.slots, x.tags = make([]uint32, size), make([]uint8, size)
	mask := size - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i, tag := x.hash(key(s - 1))
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i], x.tags[i] = s, tag
	}
}

// slab hands out Ts from blocks: one allocation per block instead of one
// per manager, team or learner, which is most of the roster's allocations.
// A block stays alive while any of its Ts does, which suits a Config that
// is kept or dropped whole.
type slab[T any] struct{ free []T }

// maxSlab keeps a block at most 1,024 Ts: 144 KiB of Managers, a whole
// number of pages for every type handed out here.
const maxSlab = 1024

// take returns n zeroed, consecutive Ts; hint is how many the caller
// expects to take in all, so a small config gets a small block.
func (s *slab[T]) take(n, hint int) []T {
	if len(s.free) < n {
		s.free = make([]T, max(n, min(hint, maxSlab), 16))
	}
	out := s.free[:n:n]
	s.free = s.free[n:]
	return out
}

// strArena copies strings into shared chunks. A csv.Reader returns each
// record's cells as slices of one string per row, so keeping any cell
// (an id, a name) would keep the whole row, time zone and working days
// included; copying the cells kept into chunks keeps only their bytes, with
// one allocation per chunk rather than per cell.
//
// strings.Builder never rewrites bytes it has handed out through String,
// so each string returned stays valid as later ones are appended. A chunk
// lives as long as any string in it, which, like a slab, suits a Config
// kept or dropped whole.
type strArena struct {
	b    *strings.Builder
	next int // size of the next chunk
}

const (
	minChunk = 4 << 10
	maxChunk = 64 << 10
)

func (a *strArena) add(s string) string {
	if s == "" {
		return ""
	}
	if a.b == nil || a.b.Cap()-a.b.Len() < len(s) {
		// Chunks double from 4 KiB so a small roster stays small.
		a.next = min(max(2*a.next, minChunk), maxChunk)
		a.b = new(strings.Builder)
		a.b.Grow(max(a.next, len(s)))
	}
	start := a.b.Len()
	a.b.WriteString(s)
	return a.b.String()[start:]
}
