package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// TestDamagedChild runs one command as main would, for
// TestDamagedFile_EveryCommandOneLineExit3; it does nothing otherwise.
func TestDamagedChild(t *testing.T) {
	args := os.Getenv("NUDGEBOT_DAMAGED_ARGS")
	if args == "" {
		return
	}
	err := run(context.Background(), strings.Split(args, "\x1f"), strings.NewReader(""), os.Stdout, os.Stderr, withClock(fixedClock(testNow)))
	if err != nil {
		code, msg := exitStatus(err)
		fmt.Fprintln(os.Stderr, "nudgebot:", msg)
		os.Exit(code)
	}
	os.Exit(0)
}

// A real data file (the example run once), truncated and with bytes
// flipped: every command either works (the flip hit bytes nothing checks)
// or ends with one line saying the file is damaged and exit status 3;
// never a panic trace, a fault or a hang. NUDGEBOT_DAMAGED_COPIES raises
// the number of copies (40 by default).
func TestDamagedFile_EveryCommandOneLineExit3(t *testing.T) {
	copies := 40
	if n, err := strconv.Atoi(os.Getenv("NUDGEBOT_DAMAGED_COPIES")); err == nil {
		copies = n
	}
	cfg := exampleCopy(t)
	if _, _, err := runCmd(t, "", "run", "-config", cfg); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "data", store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	used := usedBytes(good)
	r := rand.New(rand.NewPCG(8, 2))
	damaged := 0
	for i := range copies {
		raw := append([]byte(nil), good...)
		name := ""
		if i%5 == 0 {
			n := r.IntN(used)
			raw, name = raw[:n], fmt.Sprint("truncated to ", n)
		} else {
			off := r.IntN(used)
			raw[off] ^= byte(1 + r.IntN(255))
			name = fmt.Sprint("flip at ", off)
		}
		t.Run(name, func(t *testing.T) {
			cfg := exampleCopy(t)
			dir := filepath.Join(filepath.Dir(cfg), "data")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, store.FileName), raw, 0o600); err != nil {
				t.Fatal(err)
			}
			// run last: it writes.
			for _, args := range [][]string{
				{"verify", "-config", cfg},
				{"status", "-config", cfg},
				{"export", "-config", cfg, "-format", "csv"},
				{"backup", "-config", cfg, "-out", filepath.Join(t.TempDir(), "b.db")},
				{"plan", "-config", cfg, "-days", "7"},
				{"run", "-config", cfg},
			} {
				code, stderr := child(t, args)
				switch {
				case strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "SIG"):
					t.Fatalf("%s: crashed:\n%s", args[0], stderr)
				case code == 0:
				case code == 1 && strings.Contains(stderr, "written by a newer nudgebot"):
					// The schema number's low byte changed to a higher
					// one: no test can tell that from a newer release.
				case code != exitDamaged:
					t.Fatalf("%s: exit %d, want 0 or %d:\n%s", args[0], code, exitDamaged, stderr)
				case strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "the data file is damaged") || !strings.Contains(stderr, "restore from a backup"):
					t.Fatalf("%s: want one line saying what to do, got:\n%s", args[0], stderr)
				default:
					damaged++
				}
			}
		})
	}
	t.Logf("%d copies, %d command runs ended with exit %d", copies, damaged, exitDamaged)
}

// child runs args in a child process; its deadline only guards against a
// hang, which fails the test.
func child(t *testing.T, args []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDamagedChild$")
	// GORACE: a race-enabled child otherwise sleeps a second at exit.
	cmd.Env = append(os.Environ(), "NUDGEBOT_DAMAGED_ARGS="+strings.Join(args, "\x1f"), "GORACE=atexit_sleep_ms=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s hung on a damaged file", args[0])
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// usedBytes is how much of a bbolt file holds pages (high-water mark of the
// newer meta page times the page size): bbolt grows the file ahead of use.
func usedBytes(raw []byte) int {
	const ps = 4096
	hwm, txid := binary.NativeEndian.Uint64(raw[16+40:]), binary.NativeEndian.Uint64(raw[16+48:])
	if binary.NativeEndian.Uint64(raw[ps+16+48:]) > txid {
		hwm = binary.NativeEndian.Uint64(raw[ps+16+40:])
	}
	return int(hwm) * ps
}
