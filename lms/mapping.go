package lms

import (
	"crypto/sha1"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
)

// defaultVerbs are the verb IRIs senders use for the events cadences
// respond to: ADL's (which cmi5 uses), the tincanapi registry's (Moodle's
// logstore_xapi sends its completed) and cmi5's satisfied (a block or
// course whose units are all done).
var defaultVerbs = map[string]string{
	"http://adlnet.gov/expapi/verbs/completed":                     "completed",
	"http://id.tincanapi.com/verb/completed":                       "completed",
	"https://w3id.org/xapi/adl/verbs/satisfied":                    "completed",
	"http://adlnet.gov/expapi/verbs/passed":                        "passed",
	"http://adlnet.gov/expapi/verbs/failed":                        "failed",
	"http://adlnet.gov/expapi/verbs/registered":                    "enrolled",
	"http://www.tincanapi.co.uk/verbs/enrolled_onto_learning_plan": "enrolled",
	"https://w3id.org/xapi/tla/verbs/registered":                   "enrolled",
}

// Mapping turns statements into learning events under one configuration:
// who the learner is on the roster, which module the activity belongs to,
// which event the verb means. It is built once per configuration (the
// roster's emails and LMS ids are indexed) and only read afterwards.
type Mapping struct {
	cfg      *config.Config
	verbs    map[string]string
	byEmail  map[string]string // lower-case email → member id
	bySHA1   map[string]string // sha1("mailto:"+email) → member id
	byLMSID  map[string]string
	byMember map[string]bool
	exact    map[string]*config.Module
	prefixes []prefix // longest first
}

type prefix struct {
	p string
	m *config.Module
}

// NewMapping indexes cfg's roster and modules.
func NewMapping(cfg *config.Config) *Mapping {
	m := &Mapping{cfg: cfg, verbs: map[string]string{}, byEmail: map[string]string{}, bySHA1: map[string]string{},
		byLMSID: map[string]string{}, byMember: map[string]bool{}, exact: map[string]*config.Module{}}
	for k, v := range defaultVerbs {
		m.verbs[k] = v
	}
	for k, v := range cfg.LMS.Verbs {
		m.verbs[k] = v
	}
	for _, t := range cfg.Teams {
		for _, mem := range t.Members {
			m.byMember[mem.ID] = true
			if mem.Email != "" {
				e := strings.ToLower(mem.Email)
				m.byEmail[e] = mem.ID
				sum := sha1.Sum([]byte("mailto:" + e))
				m.bySHA1[hex.EncodeToString(sum[:])] = mem.ID
				if e != mem.Email {
					// The hash is of the address as the LMS writes it;
					// the roster's spelling is the likelier one.
					sum := sha1.Sum([]byte("mailto:" + mem.Email))
					m.bySHA1[hex.EncodeToString(sum[:])] = mem.ID
				}
			}
			if mem.LMSID != "" {
				m.byLMSID[mem.LMSID] = mem.ID
			}
		}
	}
	for i := range cfg.LMS.Modules {
		mod := &cfg.LMS.Modules[i]
		for _, a := range mod.Activities {
			m.exact[a] = mod
		}
		for _, p := range mod.Prefixes {
			m.prefixes = append(m.prefixes, prefix{p, mod})
		}
	}
	sort.SliceStable(m.prefixes, func(i, j int) bool { return len(m.prefixes[i].p) > len(m.prefixes[j].p) })
	return m
}

// Config is the configuration the mapping was built from.
func (m *Mapping) Config() *config.Config { return m.cfg }

// Event is what a statement means to nudgebot, if anything.
type Event struct {
	Learner string // roster member id
	Verb    string // completed, passed, failed, enrolled
	Module  *config.Module
	At      time.Time
	ID      string // one learning event however often it is reported
}

// Map returns the event statement s, sent by src, stands for, or ok=false
// when its verb, learner or activity is not one nudgebot knows.
func (m *Mapping) Map(src *config.Source, s *Statement, stored time.Time) (Event, bool) {
	verb, ok := m.verbs[s.Verb]
	if !ok || s.Object.Type != "Activity" {
		return Event{}, false
	}
	learner := m.Learner(src, &s.Actor)
	if learner == "" {
		return Event{}, false
	}
	mod := m.Module(s.Object.ID)
	if mod == nil {
		return Event{}, false
	}
	at := s.Timestamp
	if at.IsZero() || at.After(stored.Add(time.Hour)) {
		// A timestamp from the future (a skewed clock, a typo in an
		// export) would put the debrief off by as much: it happened now.
		at = stored
	}
	return Event{Learner: learner, Verb: verb, Module: mod, At: at,
		ID: nudges.NudgeID(learner, verb, mod.Program+"\x00"+mod.ID+"\x00"+s.Registration)}, true
}

// Learner finds the roster learner an actor is: by email (mbox or its
// SHA-1), or by an account name matched to the source's learner_key
// column. openid never matches: no roster column holds one.
func (m *Mapping) Learner(src *config.Source, a *Agent) string {
	switch {
	case a.Mbox != "":
		return m.byEmail[strings.ToLower(strings.TrimPrefix(a.Mbox, "mailto:"))]
	case a.MboxSHA1Sum != "":
		return m.bySHA1[a.MboxSHA1Sum]
	case a.Name != "":
		if src != nil && src.LearnerKey == "member_id" {
			if m.byMember[a.Name] {
				return a.Name
			}
			return ""
		}
		return m.byLMSID[a.Name]
	}
	return ""
}

// Module is the module activity id belongs to: an exact match, else the
// longest matching prefix.
func (m *Mapping) Module(activity string) *config.Module {
	if mod := m.exact[activity]; mod != nil {
		return mod
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(activity, p.p) {
			return p.m
		}
	}
	return nil
}
