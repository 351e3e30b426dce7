package botsrc

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
)

// searchBudget bounds how many logs one page of a search reads: a search
// that matches little stops there and offers to go on, instead of reading
// a million logs in one request.
const searchBudget = 20000

// Logs pages through coaching logs with a cursor. A manager's history is
// one seek; a learner's, or a text search, reads logs in order up to the
// budget.
func (s *Source) Logs(ctx context.Context, q dash.LogQuery) (dash.LogPage, error) {
	var page dash.LogPage
	if q.Limit <= 0 {
		q.Limit = 50
	}
	var after []byte
	if q.After != "" {
		var err error
		if after, err = hex.DecodeString(q.After); err != nil || len(after) == 0 {
			return page, errors.New("the page cursor is not valid; start from the first page")
		}
	}
	manager := ""
	if q.Person != "" && s.e.Config().Manager(q.Person) != nil {
		manager = q.Person
	}
	text := strings.ToLower(q.Text)
	read := 0
	err := s.e.Store().View(func(tx *store.Tx) error {
		return tx.LogsAfter(after, manager, func(k []byte, l *store.Log) (bool, error) {
			read++
			if match(l, q, manager, text) {
				page.Logs = append(page.Logs, dash.LogRow{ID: l.ID, Manager: l.Manager, Learner: l.Learner, Kind: l.Kind,
					Program: l.Program, At: l.CreatedAt, Minutes: l.Minutes, Answers: l.Answers})
			}
			full := len(page.Logs) >= q.Limit
			if full || read >= searchBudget {
				page.Next = hex.EncodeToString(k)
				page.Partial = !full
				return false, nil
			}
			return true, nil
		})
	})
	return page, err
}

func match(l *store.Log, q dash.LogQuery, manager, text string) bool {
	switch {
	case q.Person != "" && manager == "" && l.Learner != q.Person:
		return false
	case q.Program != "" && l.Program != q.Program:
		return false
	case q.Kind != "" && l.Kind != q.Kind:
		return false
	}
	if text == "" {
		return true
	}
	for k, v := range l.Answers {
		if strings.Contains(strings.ToLower(v), text) || strings.Contains(strings.ToLower(k), text) {
			return true
		}
	}
	return false
}
