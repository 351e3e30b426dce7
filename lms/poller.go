package lms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

// The poller reads statements from an LRS that cannot push (Yet Analytics'
// SQL LRS, a Learning Locker nobody may configure forwarding on):
// GET {url}statements?since=…&ascending=true, then the "more" links. Each
// page is stored in one commit together with where to continue, so a
// restart (or a crash) resumes exactly there: nothing read is lost, and
// nothing is read twice.

// position is where the poller of a source got to.
type position struct {
	Since string `json:"since,omitempty"` // the stored time of the last statement read
	More  string `json:"more,omitempty"`  // the next page, while one is being read
}

// maxPage bounds one page's response.
const maxPage = 32 << 20

// Poll reads everything new from src's LRS and returns how many statements
// it stored. It stops at the first failure; what was stored before it
// stays, and the next Poll continues from there.
func (in *Intake) Poll(ctx context.Context, client *http.Client, src *config.Source) (int, error) {
	var pos position
	err := in.store.View(func(tx *store.Tx) error {
		if raw := tx.LMSPosition(src.Name); raw != "" {
			return json.Unmarshal([]byte(raw), &pos)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("poll %s: read position: %w", src.Name, err)
	}
	base, err := url.Parse(src.URL)
	if err != nil {
		return 0, fmt.Errorf("poll %s: %w", src.Name, err)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	stored := 0
	for {
		if err := ctx.Err(); err != nil {
			return stored, err
		}
		next := base.ResolveReference(&url.URL{Path: "statements"})
		if pos.More != "" {
			if next, err = base.Parse(pos.More); err != nil {
				return stored, fmt.Errorf("poll %s: more link: %w", src.Name, err)
			}
		} else {
			q := url.Values{"ascending": {"true"}, "limit": {"500"}}
			if pos.Since != "" {
				q.Set("since", pos.Since)
			}
			next.RawQuery = q.Encode()
		}
		if next.Host != base.Host {
			return stored, fmt.Errorf("poll %s: a more link leads to another host", src.Name)
		}
		page, err := fetchPage(ctx, client, src, next.String())
		if err != nil {
			return stored, fmt.Errorf("poll %s: %w", src.Name, err)
		}
		stmts := make([]*Statement, 0, len(page.Statements))
		for _, raw := range page.Statements {
			s, err := ParseStatement(raw)
			if err != nil {
				// One statement nudgebot cannot read must not stop the
				// feed: it is skipped, and said so.
				in.log.Warn().Str("source", src.Name).Err(err).Msg("skipped a statement from the LRS")
				continue
			}
			stmts = append(stmts, s)
			if st := storedTime(raw); st != "" {
				pos.Since = st
			}
		}
		pos.More = page.More
		raw, _ := json.Marshal(pos)
		res, err := in.accept(ctx, src, stmts, Flags{SkipConflicts: true}, func(tx *store.Tx) error {
			return tx.SetLMSPosition(src.Name, string(raw))
		})
		if err != nil {
			return stored, fmt.Errorf("poll %s: %w", src.Name, err)
		}
		stored += res.New
		if page.More == "" {
			return stored, nil
		}
	}
}

type page struct {
	Statements []json.RawMessage `json:"statements"`
	More       string            `json:"more"`
}

func fetchPage(ctx context.Context, client *http.Client, src *config.Source, u string) (*page, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(src.Key, src.Secret.Value())
	req.Header.Set(VersionHeader, "1.0.3")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("LRS answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxPage {
		return nil, errors.New("LRS page over 32 MiB")
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("LRS page is not a statement result (%s)", jsonProblem(err))
	}
	return &p, nil
}

// storedTime is a statement's "stored" property, as the LRS wrote it.
func storedTime(raw []byte) string {
	var s struct {
		Stored string `json:"stored"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	if _, err := time.Parse(time.RFC3339Nano, s.Stored); err != nil {
		return ""
	}
	return s.Stored
}

// RunPollers polls every lrs source of the current configuration at its
// interval until ctx ends. A failed poll is logged and tried again at the
// next tick.
func (in *Intake) RunPollers(ctx context.Context, client *http.Client) {
	last := map[string]time.Time{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		cfg := in.engine.Config()
		for i := range cfg.LMS.Sources {
			src := &cfg.LMS.Sources[i]
			if src.Kind != config.SourceLRS || in.now().Sub(last[src.Name]) < src.Interval {
				continue
			}
			last[src.Name] = in.now()
			n, err := in.Poll(ctx, client, src)
			if err != nil && ctx.Err() == nil {
				in.log.Error().Err(err).Str("source", src.Name).Msg("polling the LRS failed; trying again")
			} else if n > 0 {
				in.log.Info().Str("source", src.Name).Int("statements", n).Msg("statements read from the LRS")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
