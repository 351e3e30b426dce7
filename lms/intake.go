package lms

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

// ErrConflict is a statement id already stored with other content: 409,
// and nothing of the request is kept.
var ErrConflict = errors.New("a statement with this id is already stored with different content")

// Engine is what the intake needs of the bot's engine.
type Engine interface {
	Config() *config.Config
	ScheduleEvent(tx *store.Tx, cfg *config.Config, ev bot.LearningEvent) (bot.EventNudges, error)
}

var _ Engine = (*bot.Engine)(nil)

// Intake stores statements and turns the ones that map to a learning event
// into nudges, one commit per request.
type Intake struct {
	engine Engine
	store  *store.Store
	now    func() time.Time
	log    zerolog.Logger

	mu      sync.Mutex
	mapping *Mapping // for the engine's configuration of the moment
}

// Options configure an Intake.
type Options struct {
	Now    func() time.Time // defaults to time.Now
	Logger zerolog.Logger
}

// NewIntake returns an intake writing to st and scheduling through e.
func NewIntake(e Engine, st *store.Store, opt Options) *Intake {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Intake{engine: e, store: st, now: opt.Now, log: opt.Logger}
}

// Mapping is the mapping for the current configuration, rebuilt after a
// reload.
func (in *Intake) Mapping() *Mapping {
	cfg := in.engine.Config()
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.mapping == nil || in.mapping.cfg != cfg {
		in.mapping = NewMapping(cfg)
	}
	return in.mapping
}

// Result is what became of one request's statements.
type Result struct {
	IDs       []string // in request order, assigned where the sender gave none
	New       int      // stored now (the rest were already stored, unchanged)
	Nudges    int      // nudges scheduled
	Cancelled int      // nudges withdrawn by voiding statements
}

// Flags mark how a request's statements are to be treated.
type Flags struct {
	// Bulk: a vendor's bulk action (an enrolment import, a re-sync):
	// recorded, nudging nobody.
	Bulk bool
	// SkipConflicts keeps the stored version of a statement that comes
	// again with other content, instead of failing the whole request: a
	// poller or an import cannot answer 409 to anyone, and one bad
	// statement must not stop everything after it.
	SkipConflicts bool
}

// Accept stores stmts from src, all or nothing, and returns once they are
// durable. A statement already stored with the same content changes
// nothing; with other content the whole request fails with ErrConflict.
func (in *Intake) Accept(ctx context.Context, src *config.Source, stmts []*Statement, fl Flags) (Result, error) {
	return in.accept(ctx, src, stmts, fl, nil)
}

// accept is Accept that also runs also in the same transaction: the
// poller records its position in the commit that stores what it read.
func (in *Intake) accept(ctx context.Context, src *config.Source, stmts []*Statement, fl Flags, also func(*store.Tx) error) (Result, error) {
	m := in.Mapping()
	now := in.now()
	res := Result{IDs: make([]string, len(stmts))}
	for i, s := range stmts {
		if s.ID == "" {
			s.ID = newUUID()
		}
		res.IDs[i] = s.ID
	}
	// Mapping reads only the configuration: done before the commit, so
	// the single writer spends its time on the file.
	recs := make([]*store.Statement, len(stmts))
	events := make([]Event, len(stmts))
	for i, s := range stmts {
		r := &store.Statement{ID: s.ID, Source: src.Name, Hash: s.Hash, Stored: now, Raw: s.Raw}
		ev, ok := m.Map(src, s, now)
		switch {
		case s.Verb == VerbVoided:
			r.Status = store.StatementVoiding
		case !ok:
			r.Status = store.StatementUnmapped
		default:
			r.Learner, r.Verb, r.Module, r.Event = ev.Learner, ev.Verb, ev.Module.Name, ev.ID
			switch {
			case fl.Bulk:
				r.Status = store.StatementBulk
			case now.Sub(ev.At) > m.cfg.LMS.MaxAge:
				r.Status = store.StatementOld
			default:
				r.Status = store.StatementEvent
			}
		}
		recs[i], events[i] = r, ev
	}
	// In id order: bbolt inserts in key order fill pages instead of
	// splitting them.
	order := make([]int, len(stmts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(recs[a].ID, recs[b].ID) })
	var out Result
	err := in.store.Write(ctx, func(tx *store.Tx) error {
		out = Result{} // the function may run twice
		for _, i := range order {
			r := recs[i]
			old, err := tx.Statement(r.ID)
			if err != nil {
				return err
			}
			if old != nil {
				if old.Hash != r.Hash && !fl.SkipConflicts {
					return fmt.Errorf("statement %s: %w", r.ID, ErrConflict)
				}
				continue
			}
			rec := *r
			switch rec.Status {
			case store.StatementEvent:
				ev := events[i]
				got, err := in.engine.ScheduleEvent(tx, m.cfg, bot.LearningEvent{ID: ev.ID, Learner: ev.Learner,
					Verb: ev.Verb, Module: ev.Module.Name, Program: ev.Module.Program, At: ev.At})
				if err != nil {
					return err
				}
				if len(got.IDs) > 0 {
					// Linked only when this statement caused the nudges: a
					// second report of the same completion must not be able
					// to void the first one's.
					rec.Nudges, rec.DueKeys = got.IDs, got.DueKeys
				} else {
					rec.Event = ""
				}
				out.Nudges += len(got.IDs)
			case store.StatementVoiding:
				n, err := voidTarget(tx, stmts[i].Object.ID)
				if err != nil {
					return err
				}
				out.Cancelled += n
			}
			if err := tx.AddStatement(&rec); err != nil {
				return err
			}
			if err := tx.CountStatement(rec.Status, 1); err != nil {
				return err
			}
			out.New++
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	out.IDs = res.IDs
	if out.Nudges > 0 || out.Cancelled > 0 {
		in.log.Info().Str("source", src.Name).Int("statements", out.New).Int("nudges", out.Nudges).
			Int("cancelled", out.Cancelled).Msg("learning events recorded")
	}
	return out, nil
}

// voidTarget marks the statement id voided and withdraws the nudges it
// caused that are not yet sent. A voiding statement cannot itself be
// voided, and one naming a statement nudgebot never saw is only kept.
func voidTarget(tx *store.Tx, id string) (int, error) {
	t, err := tx.Statement(strings.ToLower(id))
	if err != nil || t == nil || t.Voided || t.Status == store.StatementVoiding {
		return 0, err
	}
	n := 0
	if t.Event != "" {
		n, err = bot.CancelEvent(tx, t.Event, t.Learner, bot.EventNudges{IDs: t.Nudges, DueKeys: t.DueKeys}, "voided in the LMS")
		if err != nil {
			return 0, err
		}
	}
	t.Voided = true
	return n, tx.PutStatement(t)
}

// Counts returns how many statements were kept, by what became of them
// (event, unmapped, old, bulk, voiding).
func (in *Intake) Counts() (map[string]int64, error) { return in.store.StatementCounts() }

// newUUID is a random (version 4) UUID, for statements sent without an id.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}
