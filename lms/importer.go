package lms

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

// Bulk import of learning events from a file: xAPI statements as JSON
// lines (an LRS export), or a CSV (a Workday Learning report, which cannot
// push). The same mapping and deduplication as the endpoint: importing a
// file twice stores nothing the second time, since a statement without an
// id gets one derived from its content.

// importBatch statements are stored per commit: large enough that the two
// fsyncs per commit are noise, small enough to keep memory flat. Ids are
// random, so each statement's index entry lands on a page of its own
// until a batch is a good part of the index: a commit's modified nodes,
// and the index pages it reads, grow with the batch, while the pages the
// whole import writes barely shrink (5000 held 90 MB of anonymous memory
// against 57 MB for 2000, for 7% less CPU).
const importBatch = 2000

// importMemory is the heap an import aims to stay under.
const importMemory = 96 << 20

// ImportResult counts what an import did.
type ImportResult struct {
	Read   int // statements read from the file
	New    int // stored now (the rest were stored already)
	Nudges int // nudges scheduled
	Known  int // stored before (a file imported again, or sent earlier): left as they were
}

// Import reads statements from r in format ("jsonl" or "csv") and stores
// them as if src had sent them, in batches, once the whole file has been
// checked. progress, when not nil, is
// told how many bytes of r were read after each batch.
//
// Reading and parsing the next batch overlaps the commit of the one
// before, and JSON lines are parsed on every core: parsing, not the
// store, is most of an import's work.
func (in *Intake) Import(ctx context.Context, r io.ReadSeeker, format string, src *config.Source, fl Flags, progress func(int64)) (ImportResult, error) {
	// Parsing a million statements makes a lot of short-lived garbage;
	// a soft limit has the collector keep the heap small instead of
	// letting it double (it is restored when the import ends).
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(importMemory))
	var res ImportResult
	// A first pass only checks the file: a bad line anywhere is reported
	// before anything is stored, so a damaged file changes nothing.
	check, _, err := producer(r, format, parseCheck)
	if err != nil {
		return res, err
	}
	if err := check(func([]*Statement) bool { return ctx.Err() == nil }); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return res, fmt.Errorf("rewind the file: %w", err)
	}
	produce, cr, err := producer(r, format, parseOwned)
	if err != nil {
		return res, err
	}
	fl.SkipConflicts = true
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: the next batch is parsed while one commits, and no
	// third waits in between, holding memory.
	batches := make(chan []*Statement)
	produced := make(chan error, 1)
	go func() {
		defer close(batches)
		produced <- produce(func(b []*Statement) bool {
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	var commitErr error
	for batch := range batches {
		if commitErr != nil {
			continue // drain, so the producer ends
		}
		res.Read += len(batch)
		commitErr = in.importBatch(ctx, src, batch, fl, &res)
		// Each commit reads index pages all over the file; once it is
		// done they are not needed until read again, so the import's
		// resident memory stays that of one commit, not the file's size.
		_ = in.store.View(func(tx *store.Tx) error { tx.ReleaseMapped(); return nil })
		if commitErr != nil {
			cancel()
		} else if progress != nil {
			progress(cr.load())
		}
	}
	perr := <-produced
	res.Known = res.Read - res.New
	if commitErr != nil {
		return res, commitErr
	}
	return res, perr
}

// producer returns what reads r in format as batches of statements, and
// the reader counting the bytes it takes.
// In mode parseCheck, JSON lines are only validated.
func producer(r io.Reader, format string, mode int) (func(emit func([]*Statement) bool) error, *countingReader, error) {
	cr := &countingReader{r: r}
	switch format {
	case "jsonl":
		return func(emit func([]*Statement) bool) error { return jsonLines(cr, mode, emit) }, cr, nil
	case "csv":
		next, err := csvStatements(cr)
		if err != nil {
			return nil, nil, err
		}
		return func(emit func([]*Statement) bool) error {
			batch := make([]*Statement, 0, importBatch)
			for {
				s, err := next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return err
				}
				if batch = append(batch, s); len(batch) == importBatch {
					if !emit(batch) {
						return nil
					}
					batch = make([]*Statement, 0, importBatch)
				}
			}
			if len(batch) > 0 {
				emit(batch)
			}
			return nil
		}, cr, nil
	}
	return nil, nil, fmt.Errorf("unknown format %q (want jsonl or csv)", format)
}

// importBatch stores one batch; a statement named twice in it is stored
// in a second commit, after the first has made the earlier one visible.
func (in *Intake) importBatch(ctx context.Context, src *config.Source, batch []*Statement, fl Flags, res *ImportResult) error {
	seen := make(map[string]bool, len(batch))
	from := 0
	for i := 0; i <= len(batch); i++ {
		if i < len(batch) {
			s := batch[i]
			if s.ID == "" {
				// Named by its content, so a second import of the same
				// file finds it stored.
				s.ID = nameUUID("import\x00" + s.Hash)
			}
			if !seen[s.ID] {
				seen[s.ID] = true
				continue
			}
		}
		out, err := in.accept(ctx, src, batch[from:i], fl, nil)
		if err != nil {
			return err
		}
		res.New += out.New
		res.Nudges += out.Nudges
		from = i
		clear(seen)
		if i < len(batch) {
			seen[batch[i].ID] = true
		}
	}
	return nil
}

// jsonLines reads statements, one per line, and emits them in batches,
// each parsed on all cores. In mode parseCheck the statements emitted
// are only validated (no Raw, no Hash) and the lines' buffer is reused;
// otherwise each batch's lines share one fresh buffer that the
// statements' Raw point into.
func jsonLines(r io.Reader, mode int, emit func([]*Statement) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxStatementBytes+1)
	line := 0
	var arena []byte
	ends := make([]int, 0, importBatch)
	nums := make([]int, 0, importBatch)
	for {
		if mode == parseCheck {
			arena = arena[:0]
		} else {
			arena = make([]byte, 0, max(cap(arena), 64<<10))
		}
		ends, nums = ends[:0], nums[:0]
		for len(ends) < importBatch && sc.Scan() {
			line++
			if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
				arena = append(arena, b...)
				ends = append(ends, len(arena))
				nums = append(nums, line)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("line %d: %w", line+1, err)
		}
		if len(ends) == 0 {
			return nil
		}
		lineAt := func(i int) []byte {
			from := 0
			if i > 0 {
				from = ends[i-1]
			}
			// Capacity capped: a statement's Raw must not reach into the
			// next line.
			return arena[from:ends[i]:ends[i]]
		}
		batch := make([]*Statement, len(ends))
		errs := make([]error, len(ends))
		workers := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(ends); i += workers {
					batch[i], errs[i] = parseStatement(lineAt(i), mode, false)
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				// The statements before it in the batch still count.
				if i > 0 {
					emit(batch[:i])
				}
				return fmt.Errorf("line %d: %w", nums[i], err)
			}
		}
		if !emit(batch) {
			return nil
		}
	}
}

// nameUUID is a UUID named by s (RFC 9562 version 8 layout over SHA-256).
func nameUUID(s string) string {
	sum := sha256.Sum256([]byte(s))
	id := hex.EncodeToString(sum[:16])
	return id[:8] + "-" + id[8:12] + "-8" + id[13:16] + "-8" + id[17:20] + "-" + id[20:32]
}

// countingReader counts the bytes read through it; the producer reads,
// the committer reports progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) load() int64 { return c.n.Load() }
