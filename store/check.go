package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
)

// checkFile validates the structure of a bbolt file before bbolt walks it:
// the meta page bbolt will use, the file size against the high-water mark,
// every page reachable from the root (type, self id, element bounds, key
// order within the page, no page reached twice, bounded depth) and the
// freelist. It reads with ReadAt, never through bbolt's memory map, so a
// damaged file is an error here rather than a SIGBUS (a page past the end
// of the file), a panic (a page of the wrong type) or an endless loop (a
// branch that points back up the tree) inside bbolt, where none of them can
// be stopped. Record contents are Verify's job.
//
// It reads the header of every page, which costs some 0.1 s on a file of a
// million coaching logs: cheap next to what a damaged file costs. (ReadAt,
// not a map of the file: mapped, every page touched would count in the
// bot's resident memory.)
//
// Layouts follow go.etcd.io/bbolt/internal/common (page.go, meta.go); bbolt
// writes them in the machine's byte order.
func checkFile(f *os.File, strict bool) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	c := checker{f: f, size: fi.Size(), strict: strict}
	m, err := c.meta()
	if err != nil {
		return err
	}
	c.m = m
	if want := int64(m.hwm) * int64(m.pageSize); m.hwm < 2 || c.size < want {
		return damaged("the file is %d bytes but its last page ends at byte %d (truncated)", c.size, want)
	}
	c.seen = make([]uint64, (m.hwm+63)/64)
	c.mark(0, 0)
	c.mark(1, 0)
	if err := c.tree(m.root); err != nil {
		return err
	}
	return c.freelist()
}

const (
	pageHeaderSize = 16 // id u64, flags u16, count u16, overflow u32
	elemSize       = 16 // a branch element (pos, ksize u32; pgid u64) or a leaf element (flags, pos, ksize, vsize u32)
	flagBranch     = 0x01
	flagLeaf       = 0x02
	flagFreelist   = 0x10
	bucketLeafFlag = 0x01
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
	// maxDepth bounds the nesting of pages and buckets: a B+tree of 4 KiB
	// pages is a handful of levels deep even at billions of keys.
	maxDepth = 64
)

var ne = binary.NativeEndian

type boltMeta struct {
	pageSize                 uint32
	root, freelist, hwm, txi uint64
}

type checker struct {
	f    *os.File
	size int64
	// strict also checks every leaf element and the key order of every
	// page (Verify). Otherwise (Open) the leaves of nested buckets are
	// checked by header only: nudgebot nests buckets one level deep, so
	// their elements lead to no further pages, and a key or value pointing
	// outside its page is caught where bbolt reads it (see damage). That
	// saves most of the reading on a big file.
	strict bool
	m      boltMeta
	seen   []uint64 // bitmap of pages reached so far
	buf    []byte   // what read read last
}

// read reads n bytes at off into c.buf.
func (c *checker) read(off, n int64) ([]byte, error) {
	if int64(cap(c.buf)) < n {
		c.buf = make([]byte, n)
	}
	b := c.buf[:n]
	if _, err := c.f.ReadAt(b, off); err != nil {
		return nil, damaged("%d bytes at byte %d cannot be read: %v", n, off, err)
	}
	return b, nil
}

// meta returns the meta page bbolt would use: of the two, the one with the
// higher transaction id if it is valid, else the other.
func (c *checker) meta() (boltMeta, error) {
	m0, err0 := c.readMeta(0)
	ps := int64(4096)
	if err0 == nil {
		ps = int64(m0.pageSize)
	}
	m1, err1 := c.readMeta(ps)
	a, ea, b, eb := m0, err0, m1, err1
	if m1.txi > m0.txi {
		a, ea, b, eb = m1, err1, m0, err0
	}
	switch {
	case ea == nil:
		return a, nil
	case eb == nil:
		return b, nil
	}
	return boltMeta{}, ea
}

func (c *checker) readMeta(off int64) (boltMeta, error) {
	p, err := c.read(off+pageHeaderSize, 64)
	if err != nil {
		return boltMeta{}, damaged("no meta page at byte %d", off)
	}
	m := boltMeta{pageSize: ne.Uint32(p[8:]), root: ne.Uint64(p[16:]), freelist: ne.Uint64(p[32:]),
		hwm: ne.Uint64(p[40:]), txi: ne.Uint64(p[48:])}
	h := fnv.New64a()
	h.Write(p[:56])
	switch {
	case ne.Uint32(p[0:]) != boltMagic || ne.Uint32(p[4:]) != boltVersion:
		return m, damaged("meta page at byte %d is not a bbolt meta page", off)
	case ne.Uint64(p[56:]) != h.Sum64():
		return m, damaged("meta page at byte %d fails its checksum", off)
	case m.pageSize < 512 || m.pageSize > 1<<20 || m.pageSize&(m.pageSize-1) != 0:
		return m, damaged("meta page at byte %d has page size %d", off, m.pageSize)
	}
	return m, nil
}

// mark records pages id..id+overflow as reached, failing on a page reached
// before: in a sound file every page has one parent, so a second visit is a
// cycle or a shared page.
func (c *checker) mark(id uint64, overflow uint32) error {
	if id >= c.m.hwm || uint64(overflow) >= c.m.hwm-id {
		return damaged("page %d (+%d) is beyond the last page %d", id, overflow, c.m.hwm-1)
	}
	for p := id; p <= id+uint64(overflow); p++ {
		if c.seen[p/64]&(1<<(p%64)) != 0 {
			return damaged("page %d is referenced twice", p)
		}
		c.seen[p/64] |= 1 << (p % 64)
	}
	return nil
}

// header reads and checks the header of page id: its own id, and its
// overflow pages within the file and not reached before.
func (c *checker) header(id uint64) (flags, count uint16, overflow uint32, err error) {
	if id >= c.m.hwm {
		return 0, 0, 0, damaged("page %d is beyond the last page %d", id, c.m.hwm-1)
	}
	h, err := c.read(int64(id)*int64(c.m.pageSize), pageHeaderSize)
	if err != nil {
		return 0, 0, 0, err
	}
	if got := ne.Uint64(h); got != id {
		return 0, 0, 0, damaged("page %d says it is page %d", id, got)
	}
	flags, count, overflow = ne.Uint16(h[8:]), ne.Uint16(h[10:]), ne.Uint32(h[12:])
	return flags, count, overflow, c.mark(id, overflow)
}

// body reads page id whole, overflow pages included.
func (c *checker) body(id uint64, overflow uint32) ([]byte, error) {
	ps := int64(c.m.pageSize)
	return c.read(int64(id)*ps, (int64(overflow)+1)*ps)
}

// tree walks a bucket's pages from root, and the buckets nested in it. The
// walk keeps its own stack: a damaged file must not be able to overflow
// the goroutine's.
func (c *checker) tree(root uint64) error {
	type frame struct {
		id     uint64
		depth  int
		nested bool // in a bucket other than the root
	}
	stack := []frame{{root, 0, false}}
	for len(stack) > 0 {
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if fr.depth > maxDepth {
			return damaged("page %d is nested %d levels deep", fr.id, fr.depth)
		}
		flags, count, overflow, err := c.header(fr.id)
		if err != nil {
			return err
		}
		// Only the header of a leaf in a nested bucket is read (see
		// strict): most of a big file is such leaves.
		var p []byte
		if flags == flagBranch || flags == flagLeaf && (!fr.nested || c.strict) {
			if p, err = c.body(fr.id, overflow); err != nil {
				return err
			}
		}
		switch flags {
		case flagBranch:
			if count == 0 {
				return damaged("branch page %d is empty", fr.id)
			}
			err = c.elements(p, count, fr.id, func(e []byte, key, _ []byte) error {
				stack = append(stack, frame{ne.Uint64(e[8:]), fr.depth + 1, fr.nested})
				return nil
			})
		case flagLeaf:
			if fr.nested && !c.strict {
				break
			}
			err = c.elements(p, count, fr.id, func(e []byte, key, val []byte) error {
				if ne.Uint32(e)&bucketLeafFlag == 0 {
					return nil
				}
				sub, err := c.bucketRoot(val, fr.id)
				if sub != 0 {
					stack = append(stack, frame{sub, fr.depth + 1, true})
				}
				return err
			})
		default:
			err = damaged("page %d has type %#x where a branch or leaf belongs", fr.id, flags)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bucketRoot returns the root page of the bucket whose header is val, or 0
// for an inline bucket, which it checks in place.
func (c *checker) bucketRoot(val []byte, id uint64) (uint64, error) {
	if len(val) < 16 {
		return 0, damaged("page %d: bucket header of %d bytes", id, len(val))
	}
	if root := ne.Uint64(val); root != 0 {
		return root, nil
	}
	in := val[16:]
	if len(in) < pageHeaderSize || ne.Uint16(in[8:]) != flagLeaf {
		return 0, damaged("page %d: inline bucket is not a leaf", id)
	}
	return 0, c.elements(in, ne.Uint16(in[10:]), id, func(e []byte, _, _ []byte) error {
		if ne.Uint32(e)&bucketLeafFlag != 0 {
			return damaged("page %d: bucket nested in an inline bucket", id)
		}
		return nil
	})
}

// elements calls fn with each element of page p and its key and value
// (value empty on a branch page), checking that both lie inside p, that
// keys are non-empty and, when strict, strictly ascending, as bbolt's
// searches assume.
func (c *checker) elements(p []byte, count uint16, id uint64, fn func(e, key, val []byte) error) error {
	leaf := ne.Uint16(p[8:]) == flagLeaf
	if pageHeaderSize+int(count)*elemSize > len(p) {
		return damaged("page %d: %d elements do not fit", id, count)
	}
	var prev []byte
	for i := range int(count) {
		at := pageHeaderSize + i*elemSize
		e := p[at : at+elemSize]
		var pos, ksize, vsize uint64
		if leaf {
			pos, ksize, vsize = uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		} else {
			pos, ksize = uint64(ne.Uint32(e)), uint64(ne.Uint32(e[4:]))
		}
		start := uint64(at) + pos
		if ksize == 0 || start+ksize+vsize > uint64(len(p)) {
			return damaged("page %d: element %d lies outside the page", id, i)
		}
		key := p[start : start+ksize]
		if c.strict && prev != nil && bytes.Compare(prev, key) >= 0 {
			return damaged("page %d: keys out of order at element %d", id, i)
		}
		prev = key
		if err := fn(e, key, p[start+ksize:start+ksize+vsize]); err != nil {
			return err
		}
	}
	return nil
}

// freelist checks the free-page list: every id a page that exists and is
// not in use, listed once. A free id pointing into the tree would let the
// next commit overwrite live data.
func (c *checker) freelist() error {
	id := c.m.freelist
	if id == noFreelist {
		return nil
	}
	flags, count, overflow, err := c.header(id)
	if err != nil {
		return err
	}
	if flags != flagFreelist {
		return damaged("freelist page %d has type %#x", id, flags)
	}
	p, err := c.body(id, overflow)
	if err != nil {
		return err
	}
	n, ids := uint64(count), p[pageHeaderSize:]
	if count == 0xFFFF {
		n, ids = ne.Uint64(ids), ids[8:]
	}
	if n > uint64(len(ids))/8 {
		return damaged("freelist page %d lists %d pages, more than fit", id, n)
	}
	for i := range n {
		free := ne.Uint64(ids[i*8:])
		if free < 2 {
			return damaged("freelist lists meta page %d", free)
		}
		if err := c.mark(free, 0); err != nil {
			return damaged("freelist lists page %d, which is in use or listed twice", free)
		}
	}
	return nil
}

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, args...))
}
