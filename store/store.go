// Package store keeps nudgebot's durable state in one bbolt file: the due
// table, the outbox, coaching logs and what the bot remembers per manager.
//
// All writes go through one group-commit writer (see Write): bbolt fsyncs
// twice per commit, so a commit per reply would cap throughput near a
// thousand a second, while one commit for everything queued keeps each
// caller's wait short and still returns only once its write is on disk.
package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this code reads and writes. Open migrates older
// files forward and refuses newer ones.
const SchemaVersion = 3

// maxSchema bounds the schema numbers taken for a newer release's.
const maxSchema = 255

// Errors callers can test for.
var (
	ErrClosed  = errors.New("store is closed")
	ErrLocked  = errors.New("the data file is in use by another nudgebot process")
	ErrTooNew  = errors.New("the data file was written by a newer nudgebot")
	ErrNoStore = errors.New("no data file yet: the bot has not run with this data_dir")
)

// Options tune Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock before
	// failing; a second bot should fail fast, not hang.
	Timeout time.Duration
}

// Store is an open data file.
type Store struct {
	db       *bolt.DB
	path     string
	reqs     chan request
	closing  chan struct{}
	loopDone chan struct{}
	once     sync.Once
	closeErr error

	// sendMu orders Write's enqueue before Close's shutdown: Close takes it
	// exclusively to set closed, so no request enters the queue after the
	// writer loop has drained it for the last time.
	sendMu sync.RWMutex
	closed bool

	damaged    chan struct{} // closed on the first damage met; see fail
	damageOnce sync.Once
	damage     error

	observers atomic.Pointer[[]func(Commit)] // see Observe
	commits   atomic.Uint64                  // transactions begun, for releaseEvery
	observeMu sync.Mutex
}

// FileName is the data file's name inside data_dir.
const FileName = "nudgebot.db"

// Open opens (creating when writable) the data file at path, migrating it to
// SchemaVersion. A file that exists but is empty, or fails the structural
// check, is an error matching ErrDamaged: only a missing file is a first run.
func Open(path string, opt Options) (s *Store, err error) {
	if opt.Timeout == 0 {
		opt.Timeout = time.Second
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() == 0:
		return nil, fmt.Errorf("open %s: %w", path, ErrEmpty)
	case errors.Is(err, os.ErrNotExist) && opt.ReadOnly:
		return nil, fmt.Errorf("open %s: %w", path, ErrNoStore)
	case !opt.ReadOnly:
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var db *bolt.DB
	defer func() {
		// A panic inside bolt.Open leaves its file open; the caller
		// reports the damage and exits.
		if r := recover(); r != nil {
			err = damage(r)
		}
		if err != nil {
			s, err = nil, fmt.Errorf("open %s: %w", path, err)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opt.Timeout,
		ReadOnly: opt.ReadOnly,
		// A generous initial map avoids remapping (which blocks every
		// reader) while the file grows; it is address space, not memory.
		InitialMmapSize: 1 << 30,
		FreelistType:    bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (stop it first, or use a different data_dir)", ErrLocked)
	}
	if err != nil {
		return nil, openError(err)
	}
	// After bolt.Open, which holds the file lock: no other process is
	// writing the file while it is checked.
	if err := checkDB(db); err != nil {
		db.Close()
		return nil, err
	}
	s = &Store{db: db, path: path, closing: make(chan struct{}), loopDone: make(chan struct{}), damaged: make(chan struct{})}
	if err := s.migrate(opt.ReadOnly); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.View(func(tx *Tx) error { return tx.checkBuckets() }); err != nil {
		db.Close()
		return nil, err
	}
	if !opt.ReadOnly {
		s.reqs = make(chan request, 4096)
		go s.loop()
	} else {
		close(s.loopDone)
	}
	return s, nil
}

// openError says which of bolt.Open's failures are the file's fault. bbolt
// reports a file shorter than its two meta pages only as text.
func openError(err error) error {
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || strings.Contains(err.Error(), "file size too small") {
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return err
}

// checkDB runs checkFile on db's file through a descriptor of its own.
func checkDB(db *bolt.DB) error {
	f, err := os.Open(db.Path())
	if err != nil {
		return err
	}
	defer f.Close()
	return checkFile(f, false)
}

// Path is the data file's path.
func (s *Store) Path() string { return s.path }

// migrations[v] upgrades a file from version v to v+1.
var migrations = []func(*bolt.Tx) error{
	0: func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 2: platform identities (a roster email's Slack user id, a Teams
	// conversation), cached so they are looked up once; an index of each
	// manager's open nudges, filled from the outbox.
	1: func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketIdents); err != nil {
			return err
		}
		open, err := tx.CreateBucketIfNotExists(bucketOpen)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var it Item
			if err := decodeItem(v, &it); err != nil {
				return err
			}
			if it.awaitsAnswer() {
				return open.Put(pair(it.Manager, it.ID), nil)
			}
			return nil
		})
	},
	// 3: learning events from the LMS: the statements accepted and the
	// intake's counters and poller positions.
	2: func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketXAPI, bucketXAPILog, bucketLMSMeta, bucketXAPIOut} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
}

func (s *Store) migrate(readOnly bool) (err error) {
	var v uint64
	err = s.View(func(ttx *Tx) error {
		if b := ttx.tx.Bucket(bucketMeta); b != nil {
			if raw := b.Get([]byte("schema")); len(raw) == 8 {
				v = binary.BigEndian.Uint64(raw)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case v > maxSchema:
		// No release will count this high: changed bytes, not a newer file.
		return fmt.Errorf("%w: schema number %d", ErrDamaged, v)
	case v > SchemaVersion:
		return fmt.Errorf("%w (schema %d, this build reads up to %d)", ErrTooNew, v, SchemaVersion)
	case v == SchemaVersion:
		return nil
	case readOnly:
		return fmt.Errorf("data file has schema %d; run the bot once to migrate it to %d", v, SchemaVersion)
	}
	// One transaction for all steps: a crash mid-migration leaves the old file.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damage(r)
		}
	}()
	return s.db.Update(func(tx *bolt.Tx) error {
		for ; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), be64(v))
	})
}

// Close drains queued writes and closes the file. It is safe to call twice.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.sendMu.Lock()
		s.closed = true
		s.sendMu.Unlock()
		close(s.closing)
		<-s.loopDone
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// View runs fn in a read transaction. Keep it short: a long reader holds
// pages the writer cannot reuse.
func (s *Store) View(fn func(*Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damage(r)
		}
		s.fail(err)
	}()
	return s.db.View(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		err := fn(tx)
		// Reads map pages too (a page of the dashboard, a search of the
		// logs): they are handed back as the writer's are.
		if s.commits.Add(1)%releaseEvery == 0 {
			tx.ReleaseMapped()
		}
		return err
	})
}

// Backup writes a consistent copy of the whole file to w, while writes go on.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.View(func(tx *Tx) error {
		var err error
		n, err = tx.tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy to path, atomically: a reader of path
// never sees half a backup.
func (s *Store) BackupFile(path string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nudgebot-backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := s.Backup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	return n, nil
}

// Counts returns how many outbox items are in each state.
func (s *Store) Counts() (map[State]uint64, error) {
	out := make(map[State]uint64, len(States))
	err := s.View(func(tx *Tx) error {
		b := tx.tx.Bucket(bucketCounts)
		for _, st := range States {
			if raw := b.Get([]byte(st)); len(raw) == 8 {
				out[st] = binary.BigEndian.Uint64(raw)
			} else {
				out[st] = 0
			}
		}
		return nil
	})
	return out, err
}

// FirstRun returns the date the bot first ran with this file, recording today
// when it has none. Programs launched "first-run-8d" count from it.
func (s *Store) FirstRun(ctx context.Context, today nudges.Date) (nudges.Date, error) {
	var d nudges.Date
	err := s.Write(ctx, func(tx *Tx) error {
		b := tx.tx.Bucket(bucketMeta)
		if raw := b.Get([]byte("first_run")); raw != nil {
			return firstRunDate(raw, &d)
		}
		d = today
		return b.Put([]byte("first_run"), []byte(today.String()))
	})
	return d, err
}

// ReadFirstRun returns the recorded first-run date, or ok=false.
func (s *Store) ReadFirstRun() (d nudges.Date, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		raw := tx.tx.Bucket(bucketMeta).Get([]byte("first_run"))
		if raw == nil {
			return nil
		}
		ok = true
		return firstRunDate(raw, &d)
	})
	return d, ok, err
}

// firstRunDate decodes the recorded first-run date; one that does not
// decode is damage.
func firstRunDate(raw []byte, d *nudges.Date) error {
	if err := d.UnmarshalText(raw); err != nil {
		return fmt.Errorf("%w: the first-run date does not decode (%v)", ErrDamaged, err)
	}
	return nil
}
