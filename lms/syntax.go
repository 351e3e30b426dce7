package lms

// The small syntax checks statements are made of: UUIDs, IRIs,
// timestamps, language maps, and error text that never echoes much input.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// langValue picks one value of a language map: en-US, en, or the first in
// key order (deterministic).
func langValue(m map[string]string) string {
	for _, k := range []string{"en-US", "en-GB", "en"} {
		if v := m[k]; v != "" {
			return v
		}
	}
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return m[best]
}

// parseTimestamp reads an ISO 8601 timestamp as xAPI senders write it:
// RFC 3339, with any number of fractional digits; a zone is required
// (a timestamp without one is ambiguous by hours).
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %q is not an ISO 8601 date-time with a zone", ErrInvalid, clip(s))
	}
	return t, nil
}

// contentHash hashes the statement without the properties an LRS sets,
// its top-level properties in name order, each value compacted: the same
// statement redelivered hashes the same whatever the order or spacing of
// its properties. Key order inside a property counts (a sender's
// serializer writes its objects the same way each time); canonicalizing
// every nested object cost more than the rest of parsing together.
func contentHash(props map[string]json.RawMessage) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		switch k {
		case "id", "stored", "authority", "version":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	var buf []byte
	for _, k := range keys {
		buf = append(append(buf[:0], k...), 0)
		// The values are valid JSON (the statement was): compacting
		// cannot fail, and needs no second validation.
		buf = append(appendCompact(buf, props[k]), 0)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHexDigit(c) {
				return false
			}
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isIRI reports whether s is an absolute IRI: a scheme, then more. Ids are
// compared as strings, never fetched.
func isIRI(s string) bool {
	if s == "" || len(s) > maxIRI || strings.ContainsAny(s, " \t\r\n<>\"{}|\\^`") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && len(s) > len(u.Scheme)+1
}

// clip shortens a value quoted in an error: the sender sees its own input
// back, but not all of a megabyte.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// jsonProblem describes a JSON error without quoting the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "null"
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be a JSON %s, not %s", or(typ.Field, "the value"), jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	return "invalid JSON"
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "object"
	case "slice":
		return "array"
	case "ptr":
		return "string"
	}
	return k
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
