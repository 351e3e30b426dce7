package lms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// Write-back: each coaching log (a check-in, a micro-assignment outcome)
// becomes an xAPI statement sent to the LRS in [lms.writeback], so L&D
// sees manager coaching beside course data. The statement is queued in
// the commit that stores the log, and sent from that queue: retried with
// backoff until the LRS takes it, under an id derived from the log's, so
// a retry after a lost answer stores nothing twice.

// VerbMentored is the verb of a coaching statement (the tincanapi
// registry's "mentored").
const VerbMentored = "http://id.tincanapi.com/verb/mentored"

// Writer sends queued coaching statements to the LRS.
type Writer struct {
	in     *Intake
	client *http.Client
	wake   chan struct{}
}

// NewWriter returns the writer for in's store and engine.
func NewWriter(in *Intake, client *http.Client) *Writer {
	return &Writer{in: in, client: client, wake: make(chan struct{}, 1)}
}

// writeBackKinds are the logs that are coaching (not snoozes, skips,
// ratings or notes).
var writeBackKinds = map[string]bool{string(nudges.KindCheckIn): true, string(nudges.KindAssignment): true}

// OnLog queues l's statement in tx: the engine's OnLog hook.
func (w *Writer) OnLog(tx *store.Tx, cfg *config.Config, l *store.Log, answered *store.Item) error {
	if cfg.LMS.WriteBack.URL == "" || !writeBackKinds[l.Kind] {
		return nil
	}
	id := nameUUID("writeback\x00" + l.ID)
	raw, err := json.Marshal(CoachingStatement(cfg, id, l, answered))
	if err != nil {
		return err
	}
	if err := tx.QueueWriteBack(&store.WriteBack{ID: id, Statement: raw}); err != nil {
		return err
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

// CoachingStatement is the statement for coaching log l (see README,
// "Write-back"): the manager mentored, in the program, the learner and
// the module in the context, the minutes as the duration.
func CoachingStatement(cfg *config.Config, id string, l *store.Log, answered *store.Item) map[string]any {
	hp := cfg.LMS.WriteBack.HomePage
	if !strings.HasSuffix(hp, "/") {
		hp += "/"
	}
	agent := func(name string) map[string]any {
		return map[string]any{"objectType": "Agent", "account": map[string]string{"homePage": hp, "name": name}}
	}
	program := l.Program
	if program == "" {
		program = "coaching"
	}
	obj := map[string]any{"objectType": "Activity", "id": hp + "programs/" + program,
		"definition": map[string]any{"type": "http://adlnet.gov/expapi/activities/meeting"}}
	if p := cfg.Program(l.Program); p != nil {
		obj["definition"].(map[string]any)["name"] = map[string]string{"en": p.Name}
	}
	ctx := map[string]any{"extensions": map[string]any{hp + "xapi/kind": l.Kind}}
	if l.Learner != "" {
		name := l.Learner
		if t := cfg.TeamOfMember(l.Learner); t != nil {
			for _, m := range t.Members {
				if m.ID == l.Learner && m.LMSID != "" {
					name = m.LMSID // the LMS's own id: L&D joins it with course data
				}
			}
		}
		ctx["extensions"].(map[string]any)[hp+"xapi/learner"] = agent(name)
	}
	if answered != nil && answered.Module != "" {
		for _, mod := range cfg.LMS.Modules {
			if mod.Name == answered.Module && len(mod.Activities)+len(mod.Prefixes) > 0 {
				ctx["contextActivities"] = map[string]any{"other": []map[string]string{{"id": moduleActivity(&mod)}}}
				break
			}
		}
	}
	st := map[string]any{"id": id, "actor": agent(l.Manager),
		"verb":      map[string]any{"id": VerbMentored, "display": map[string]string{"en-US": "mentored"}},
		"object":    obj,
		"context":   ctx,
		"timestamp": l.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if l.Minutes > 0 {
		st["result"] = map[string]any{"duration": "PT" + strconv.Itoa(l.Minutes) + "M"}
	}
	return st
}

func moduleActivity(m *config.Module) string {
	if len(m.Activities) > 0 {
		return m.Activities[0]
	}
	return m.Prefixes[0]
}

// backoff is the wait before attempt n+1: 5 s doubling, at most an hour.
func backoff(n int) time.Duration {
	return min(5*time.Second<<min(n, 20), time.Hour)
}

// Flush sends what is due and returns how many statements the LRS took.
func (w *Writer) Flush(ctx context.Context) (int, error) {
	cfg := w.in.engine.Config()
	wb := cfg.LMS.WriteBack
	if wb.URL == "" {
		return 0, nil
	}
	now := w.in.now()
	var due []*store.WriteBack
	if err := w.in.store.View(func(tx *store.Tx) (err error) {
		due, err = tx.WriteBacks(now, 100)
		return err
	}); err != nil || len(due) == 0 {
		return 0, err
	}
	stmts := make([]json.RawMessage, len(due))
	for i, d := range due {
		stmts[i] = d.Statement
	}
	body, _ := json.Marshal(stmts)
	code, wait, err := w.send(ctx, &wb, "POST", "statements", body)
	done := 0
	var outcome func(tx *store.Tx) error
	switch {
	case err == nil && code/100 == 2:
		done = len(due)
		outcome = func(tx *store.Tx) error {
			for _, d := range due {
				if err := tx.DoneWriteBack(d.ID); err != nil {
					return err
				}
			}
			return nil
		}
	case err == nil && (code == http.StatusBadRequest || code == http.StatusConflict):
		// The batch was refused for one of its statements: each alone,
		// so the others go through and the bad one is set aside.
		results := make([]int, len(due))
		for i, d := range due {
			results[i], _, _ = w.send(ctx, &wb, "PUT", "statements?statementId="+d.ID, d.Statement)
		}
		outcome = func(tx *store.Tx) error {
			for i, d := range due {
				switch c := results[i]; {
				case c/100 == 2:
					done++
					if err := tx.DoneWriteBack(d.ID); err != nil {
						return err
					}
				case c == http.StatusBadRequest || c == http.StatusConflict:
					d.Failed = fmt.Sprintf("the LRS refused it (%d)", c)
					if err := tx.PutWriteBack(d); err != nil {
						return err
					}
				default:
					if err := retryLater(tx, d, now, 0); err != nil {
						return err
					}
				}
			}
			return nil
		}
	default:
		if err == nil {
			err = fmt.Errorf("LRS answered %d", code)
		}
		w.in.log.Warn().Err(err).Int("statements", len(due)).Msg("write-back to the LRS failed; retrying later")
		outcome = func(tx *store.Tx) error {
			for _, d := range due {
				if err := retryLater(tx, d, now, wait); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := w.in.store.Write(ctx, outcome); err != nil {
		return 0, err
	}
	return done, nil
}

func retryLater(tx *store.Tx, d *store.WriteBack, now time.Time, wait time.Duration) error {
	d.Attempts++
	d.NextAttempt = now.Add(max(wait, backoff(d.Attempts-1)))
	return tx.PutWriteBack(d)
}

// send makes one request to the LRS; wait is its Retry-After, if any.
func (w *Writer) send(ctx context.Context, wb *config.WriteBack, method, path string, body []byte) (int, time.Duration, error) {
	base := wb.URL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.SetBasicAuth(wb.Key, wb.Secret.Value())
	req.Header.Set(VersionHeader, "1.0.3")
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	var wait time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		wait = time.Duration(s) * time.Second
	}
	return resp.StatusCode, wait, nil
}

// Run sends queued statements until ctx ends: when a log is queued, and
// every few seconds for retries that have come due.
func (w *Writer) Run(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		if _, err := w.Flush(ctx); err != nil && ctx.Err() == nil {
			w.in.log.Error().Err(err).Msg("write-back queue")
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-tick.C:
		}
	}
}
