package store

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Per-person operations for access and erasure requests: everything the
// data file holds about one person, and its removal.

// Who names a person the way the data file may hold them: roster ids, and
// the names and emails free text or platform caches may carry.
type Who struct {
	IDs    []string // roster id first; any other id they had
	Names  []string // display names, to find in free text
	Emails []string
}

// Person is everything the data file holds about someone.
type Person struct {
	Logs              []Log                       `json:"logs"`               // written by them, or about them
	State             *ManagerState               `json:"state,omitempty"`    // what the bot remembers of a manager
	Items             []Item                      `json:"nudges"`             // sent to them, or about them
	Due               []Due                       `json:"scheduled"`          // to them, or about them
	FirstApplications map[string]FirstApplication `json:"first_applications"` // program → theirs
	Identities        [][3]string                 `json:"identities"`         // namespace, key, value
	Mentions          []string                    `json:"mentioned_in_logs"`  // ids of others' logs naming them
}

// Empty reports whether nothing is held about the person.
func (p Person) Empty() bool {
	return len(p.Logs) == 0 && p.State == nil && len(p.Items) == 0 && len(p.Due) == 0 &&
		len(p.FirstApplications) == 0 && len(p.Identities) == 0 && len(p.Mentions) == 0
}

// matcher tells whether a value belongs to the person.
type matcher struct {
	ids   map[string]bool
	names *regexp.Regexp // nil: no names
}

func newMatcher(w Who) matcher {
	m := matcher{ids: map[string]bool{}}
	for _, s := range append(append([]string{}, w.IDs...), w.Emails...) {
		if s != "" {
			m.ids[strings.ToLower(s)] = true
		}
	}
	var alts []string
	for _, n := range w.Names {
		if n = strings.TrimSpace(n); n != "" {
			alts = append(alts, regexp.QuoteMeta(n))
			// A first name alone names them too, in a team where it is
			// how everyone writes.
			if first, _, ok := strings.Cut(n, " "); ok && len(first) > 2 {
				alts = append(alts, regexp.QuoteMeta(first))
			}
		}
	}
	for id := range m.ids {
		alts = append(alts, regexp.QuoteMeta(id))
	}
	// Longest first: the regexp takes the first alternative that matches,
	// and an email must go whole, not just the id it starts with.
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	if len(alts) > 0 {
		m.names = regexp.MustCompile(`(?i)\b(` + strings.Join(alts, "|") + `)\b`)
	}
	return m
}

func (m matcher) is(s string) bool { return s != "" && m.ids[strings.ToLower(s)] }

func (m matcher) mentioned(s string) bool { return m.names != nil && m.names.MatchString(s) }

func (m matcher) scrub(s string) string {
	if m.names == nil {
		return s
	}
	return m.names.ReplaceAllString(s, "[erased]")
}

// about reports whether a log was written by the person or is about them.
func (m matcher) about(l *Log) bool {
	if m.is(l.Manager) || m.is(l.Learner) {
		return true
	}
	for _, k := range []string{"member", "learner"} {
		if m.is(l.Answers[k]) {
			return true
		}
	}
	return false
}

func (m matcher) logMentions(l *Log) bool {
	for _, v := range l.Answers {
		if m.mentioned(v) {
			return true
		}
	}
	return false
}

// Person collects what the data file holds about w.
func (t *Tx) Person(w Who) (Person, error) {
	m := newMatcher(w)
	p := Person{FirstApplications: map[string]FirstApplication{}}
	err := t.Logs(func(l *Log) error {
		switch {
		case m.about(l):
			p.Logs = append(p.Logs, *l)
		case m.logMentions(l):
			p.Mentions = append(p.Mentions, l.ID)
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	for _, id := range w.IDs {
		if raw := t.tx.Bucket(bucketManagers).Get([]byte(id)); raw != nil {
			st, err := t.ManagerState(id)
			if err != nil {
				return p, err
			}
			p.State = &st
		}
	}
	if err := t.Items(func(it *Item) error {
		if m.is(it.Manager) || m.is(it.Learner) {
			p.Items = append(p.Items, *it)
		}
		return nil
	}); err != nil {
		return p, err
	}
	if err := t.DueRows(func(d Due) error {
		if m.is(d.Manager) || m.is(d.Learner) {
			p.Due = append(p.Due, d)
		}
		return nil
	}); err != nil {
		return p, err
	}
	err = t.tx.Bucket(bucketFirstApp).ForEach(func(k, v []byte) error {
		prog, learner, _ := bytes.Cut(k, []byte{0})
		var fa FirstApplication
		if err := decodeJSON(v, &fa); err != nil {
			return fmt.Errorf("decode first application %q: %w", k, err)
		}
		if m.is(string(learner)) || m.is(fa.Manager) {
			p.FirstApplications[string(prog)] = fa
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	p.Identities = t.identitiesOf(m)
	return p, nil
}

// identitiesOf is the identity cache entries that are the person's: the
// key or value is one of their ids or emails, or a platform id one of
// those entries gave them.
func (t *Tx) identitiesOf(m matcher) [][3]string {
	b := t.tx.Bucket(bucketIdents)
	if b == nil {
		return nil
	}
	var all [][3]string
	_ = b.ForEach(func(k, v []byte) error {
		ns, key, _ := bytes.Cut(k, []byte{0})
		all = append(all, [3]string{string(ns), string(key), string(v)})
		return nil
	})
	theirs := map[string]bool{}
	for id := range m.ids {
		theirs[id] = true
	}
	// Two rounds: roster id → platform id → whatever is keyed by that.
	for range 2 {
		for _, e := range all {
			k, v := strings.ToLower(e[1]), strings.ToLower(e[2])
			if theirs[k] || theirs[v] {
				theirs[k], theirs[v] = true, true
			}
		}
	}
	var out [][3]string
	for _, e := range all {
		if theirs[strings.ToLower(e[1])] || theirs[strings.ToLower(e[2])] {
			out = append(out, e)
		}
	}
	return out
}
