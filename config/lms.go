package config

// The [lms] section and [[programs.modules]]: where learning events come
// from, how their senders prove who they are, and what a statement's
// activity means in a program.

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// LMS is the [lms] section with its secrets resolved.
type LMS struct {
	// MaxAge: a statement about something that happened longer ago than
	// this (a backfill, a re-sync) is recorded but nudges nobody.
	MaxAge time.Duration
	// Coalesce: several of one manager's learners finishing the same
	// module within this window get one debrief naming them all, not one
	// each. 0 turns it off.
	Coalesce time.Duration
	// Verbs maps extra verb IRIs to events (completed, passed, failed,
	// enrolled), on top of the ADL, tincanapi and cmi5 defaults.
	Verbs   map[string]string
	Sources []Source
	// Modules are every program's modules, in file order.
	Modules []Module
	// WriteBack says where coaching logs go as statements (URL empty: nowhere).
	WriteBack WriteBack
}

// Source kinds.
const (
	SourceXAPI   = "xapi"   // pushes xAPI statements (LRS forwarding, Moodle, LinkedIn Learning, 360Learning)
	SourceCanvas = "canvas" // Canvas Live Events webhooks
	SourceDocebo = "docebo" // Docebo webhooks
	SourceLRS    = "lrs"    // an LRS nudgebot polls
)

// Source is one [[lms.sources]] entry: a system that sends (or serves)
// learning events.
type Source struct {
	Name string
	Kind string
	// Key is the sender's user name (HTTP Basic) or OAuth2 client id; not
	// a secret. Secret is its password or client secret (or the webhook
	// signing secret), from NUDGEBOT_LMS_<NAME>_SECRET or secret_file.
	Key    string
	Secret Secret
	// LearnerKey says which roster column an xAPI account name is matched
	// to: "lms_id" (default) or "member_id". Emails (mbox, mbox_sha1sum)
	// always match the roster's member email.
	LearnerKey string
	MaxBytes   int64   // largest request body accepted
	Rate       float64 // requests per second, on average
	Burst      int     // requests at once
	URL        string  // kind lrs: the LRS's statement resource base
	// PublicKey (kind canvas) verifies Canvas's signed Live Events: the
	// RSA public key, PEM, from public_key_file.
	PublicKey *rsa.PublicKey
	// Interval (kind lrs) is how often the LRS is asked for new statements.
	Interval time.Duration
}

// Module is a program's module: the activities whose completion is that
// module's completion.
type Module struct {
	Program, ID, Name string
	Activities        []string // exact activity IRIs
	Prefixes          []string // IRIs starting with any of these
}

type lmsFile struct {
	MaxAge    string            `toml:"max_age"`
	Coalesce  string            `toml:"coalesce"`
	Verbs     map[string]string `toml:"verbs"`
	Sources   []sourceFile      `toml:"sources"`
	WriteBack writeBackFile     `toml:"writeback"`
}

type sourceFile struct {
	Name       string   `toml:"name"`
	Kind       string   `toml:"kind"`
	Key        string   `toml:"key"`
	SecretFile string   `toml:"secret_file"`
	LearnerKey string   `toml:"learner_key"`
	MaxBytes   *int64   `toml:"max_bytes"`
	Rate       *float64 `toml:"rate"`
	Burst      *int     `toml:"burst"`
	URL        string   `toml:"url"`
	PublicKey  string   `toml:"public_key_file"`
	Interval   string   `toml:"interval"`
}

type moduleFile struct {
	ID         string   `toml:"id"`
	Name       string   `toml:"name"`
	Activities []string `toml:"activities"`
	Prefixes   []string `toml:"prefixes"`
}

// Events a verb may map to.
var lmsEvents = []string{"completed", "passed", "failed", "enrolled"}

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

func (l *loader) lms(f *file) {
	x := &l.cfg.LMS
	var ok bool
	if x.MaxAge, ok = l.duration("lms.max_age", f.LMS.MaxAge, "168h"); ok && x.MaxAge <= 0 {
		l.c.add("lms.max_age", "must be positive, not %s", f.LMS.MaxAge)
	}
	if x.Coalesce, ok = l.duration("lms.coalesce", f.LMS.Coalesce, "24h"); ok && x.Coalesce < 0 {
		l.c.add("lms.coalesce", "must not be negative, not %s", f.LMS.Coalesce)
	}
	x.Verbs = map[string]string{}
	for iri, ev := range f.LMS.Verbs {
		if !absoluteIRI(iri) {
			l.c.add("lms.verbs", "%q is not an absolute IRI", iri)
		}
		if !slices.Contains(lmsEvents, ev) {
			l.c.add("lms.verbs", "verb %q maps to %q; want one of %s", iri, ev, strings.Join(lmsEvents, ", "))
		}
		x.Verbs[iri] = ev
	}
	seen := map[string]string{}
	for i := range f.LMS.Sources {
		l.source(fmt.Sprintf("lms.sources[%d]", i), &f.LMS.Sources[i], seen)
	}
	for _, s := range x.Sources {
		if s.Kind != SourceLRS && l.cfg.HTTPListen == "" {
			l.c.add("http.listen", "lms source %q sends to nudgebot, which needs an HTTP server: set http.listen (e.g. \":8080\")", s.Name)
			break
		}
	}
	l.writeBack(&f.LMS.WriteBack)
	mods := map[string]string{}
	for i := range f.Programs {
		for j, mf := range f.Programs[i].Modules {
			key := fmt.Sprintf("programs[%d].modules[%d]", i, j)
			l.uniqueID(mods, key, "module", mf.ID, "")
			if strings.TrimSpace(mf.Name) == "" {
				l.c.add(key+".name", "missing module name (the debrief nudge names it)")
			}
			if len(mf.Activities)+len(mf.Prefixes) == 0 {
				l.c.add(key, "no activities or prefixes: nothing would map to this module")
			}
			for k, a := range slices.Concat(mf.Activities, mf.Prefixes) {
				if !absoluteIRI(a) {
					l.c.add(fmt.Sprintf("%s.activities[%d]", key, k), "%q is not an absolute IRI", a)
				}
			}
			x.Modules = append(x.Modules, Module{Program: f.Programs[i].ID, ID: mf.ID, Name: mf.Name,
				Activities: mf.Activities, Prefixes: mf.Prefixes})
		}
	}
}

func (l *loader) source(key string, sf *sourceFile, seen map[string]string) {
	s := Source{Name: sf.Name, Kind: or(sf.Kind, SourceXAPI), Key: or(sf.Key, sf.Name),
		LearnerKey: or(sf.LearnerKey, "lms_id"), MaxBytes: 4 << 20, Rate: 20, Burst: 40, URL: sf.URL}
	if !sourceName.MatchString(sf.Name) {
		l.c.add(key+".name", "source name %q: want 1 to 40 of a-z, 0-9, - and _ (it appears in URLs and an environment variable)", sf.Name)
	}
	if first, dup := seen[sf.Name]; dup && sf.Name != "" {
		l.c.add(key+".name", "source %q is already defined at %s", sf.Name, first)
	}
	seen[sf.Name] = key
	if !slices.Contains([]string{SourceXAPI, SourceCanvas, SourceDocebo, SourceLRS}, s.Kind) {
		l.c.add(key+".kind", "unknown kind %q (want xapi, canvas, docebo or lrs)", sf.Kind)
	}
	if s.LearnerKey != "lms_id" && s.LearnerKey != "member_id" {
		l.c.add(key+".learner_key", "unknown roster column %q (want lms_id or member_id)", sf.LearnerKey)
	}
	if sf.MaxBytes != nil {
		if *sf.MaxBytes < 1<<10 || *sf.MaxBytes > 64<<20 {
			l.c.add(key+".max_bytes", "want 1024 to 67108864 bytes, not %d", *sf.MaxBytes)
		}
		s.MaxBytes = *sf.MaxBytes
	}
	if sf.Rate != nil {
		if *sf.Rate <= 0 || *sf.Rate > 100000 {
			l.c.add(key+".rate", "want requests per second between 0 and 100000, not %v", *sf.Rate)
		}
		s.Rate = *sf.Rate
	}
	if sf.Burst != nil {
		if *sf.Burst < 1 {
			l.c.add(key+".burst", "must be at least 1, not %d", *sf.Burst)
		}
		s.Burst = *sf.Burst
	}
	if s.Kind == SourceLRS {
		var ok bool
		if s.Interval, ok = l.duration(key+".interval", sf.Interval, "1m"); ok && s.Interval < time.Second {
			l.c.add(key+".interval", "must be at least 1s, not %s", sf.Interval)
		}
		if u, err := url.Parse(sf.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.c.add(key+".url", "kind lrs needs the LRS's xAPI base URL (e.g. \"https://lrs.example.com/xapi/\"), not %q", sf.URL)
		}
	} else if sf.URL != "" || sf.Interval != "" {
		l.c.add(key+".url", "only a source of kind lrs is polled (url, interval); a %s source sends to nudgebot", s.Kind)
	}
	switch {
	case s.Kind == SourceCanvas:
		// Canvas signs its events with its own key; there is no shared
		// secret to hold.
		s.PublicKey = l.publicKey(key+".public_key_file", sf.PublicKey)
	case sf.PublicKey != "":
		l.c.add(key+".public_key_file", "only a canvas source verifies with a public key")
	case !l.noSecrets && sourceName.MatchString(sf.Name):
		s.Secret = l.secret(key+".secret_file", sf.SecretFile, SourceSecretEnv(sf.Name), "the "+sf.Name+" source's secret")
	}
	l.cfg.LMS.Sources = append(l.cfg.LMS.Sources, s)
}

// SourceSecretEnv is the environment variable holding source name's
// secret: NUDGEBOT_LMS_<NAME>_SECRET, upper case, '-' as '_'.
func SourceSecretEnv(name string) string {
	return "NUDGEBOT_LMS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_SECRET"
}

// absoluteIRI reports whether s looks like an absolute IRI: a scheme and
// something after it. xAPI ids are compared as strings, never fetched.
func absoluteIRI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && len(s) > len(u.Scheme)+1 && !strings.ContainsAny(s, " \t\n<>\"{}|\\^`")
}

// Source returns the source named name, or nil.
func (c *Config) Source(name string) *Source {
	for i := range c.LMS.Sources {
		if c.LMS.Sources[i].Name == name {
			return &c.LMS.Sources[i]
		}
	}
	return nil
}

// publicKey reads an RSA public key in PEM (PUBLIC KEY or RSA PUBLIC KEY).
func (l *loader) publicKey(key, file string) *rsa.PublicKey {
	if file == "" {
		l.c.add(key, "a canvas source needs the public key its events are signed with (PEM)")
		return nil
	}
	raw, err := readLimited(l.resolvePath(file), maxSecretBytes)
	if err != nil {
		l.c.add(key, "cannot read the public key: %v", err)
		return nil
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		l.c.add(key, "no PEM block in %s", file)
		return nil
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk
		}
		l.c.add(key, "the key in %s is not an RSA key", file)
		return nil
	}
	if rk, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return rk
	}
	l.c.add(key, "%s holds no RSA public key", file)
	return nil
}
