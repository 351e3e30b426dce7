package config

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Size limits for the files a configuration names. Each is far above any
// real file of its kind, and stops a mistake (a path to /dev/zero, a log
// file named as the roster) from exhausting memory before it is reported.
const (
	maxConfigBytes = 16 << 20  // the TOML file
	maxSecretBytes = 64 << 10  // a token or signing secret file
	maxRosterBytes = 256 << 20 // a roster CSV: over a million rows
)

// errTooLarge is the error of a file over its limit.
var errTooLarge = errors.New("file too large")

// readLimited reads the file at path, or fails once it exceeds limit
// bytes, without reading further.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, tooLarge(path, limit)
	}
	return raw, nil
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s: %w (more than %s)", path, errTooLarge, sizeString(limit))
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
