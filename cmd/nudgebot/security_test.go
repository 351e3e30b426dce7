package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestOut_PartialFileIsNeverWrittenThrough: export -out and backup -out
// write their copy to a fresh file of their own, so a file or symlink that
// someone else put at <out>.partial neither receives coaching logs nor
// gets overwritten.
func TestOut_PartialFileIsNeverWrittenThrough(t *testing.T) {
	t.Run("DataFile", func(t *testing.T) {
		cfg := exampleCopy(t)
		if _, _, err := runCmd(t, "", "run", "-config", cfg); err != nil { // creates the data file
			t.Fatal(err)
		}
		checkPartialUntouched(t, cfg)
	})
	t.Run("RunningBot", func(t *testing.T) {
		cfg := exampleCopy(t)
		stdinW, lines, done := startShell(t, context.Background(), cfg)
		go func() {
			for lines.Scan() {
			}
		}()
		checkPartialUntouched(t, cfg)
		stdinW.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// checkPartialUntouched runs export -out and backup -out with a file and a
// symlink planted at <out>.partial.
func checkPartialUntouched(t *testing.T, cfg string) {
	t.Helper()
	for _, cmd := range [][]string{
		{"export", "-config", cfg, "-format", "jsonl", "-out"},
		{"backup", "-config", cfg, "-out"},
	} {
		for _, planted := range []string{"File", "Symlink"} {
			t.Run(cmd[0]+"/"+planted, func(t *testing.T) {
				dir := t.TempDir()
				out := filepath.Join(dir, "copy")
				victim := filepath.Join(dir, "victim")
				if err := os.WriteFile(victim, []byte("not yours"), 0o644); err != nil {
					t.Fatal(err)
				}
				partial := out + ".partial"
				var err error
				if planted == "File" {
					err = os.WriteFile(partial, []byte("not yours"), 0o666)
				} else {
					err = os.Symlink(victim, partial)
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := runCmd(t, "", append(cmd, out)...); err != nil {
					t.Fatal(err)
				}
				if got, err := os.ReadFile(partial); err != nil || string(got) != "not yours" {
					t.Errorf("%s: %s now holds %q (%v), want it untouched", cmd[0], partial, got, err)
				}
				if got, _ := os.ReadFile(victim); string(got) != "not yours" {
					t.Errorf("%s wrote through the planted symlink: %q", cmd[0], got)
				}
				fi, err := os.Lstat(out)
				if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
					t.Fatalf("%s: %s is %v (%v), want a regular file of mode 0600", cmd[0], out, fi.Mode(), err)
				}
				if leftovers, _ := filepath.Glob(filepath.Join(dir, ".copy.*")); len(leftovers) != 0 {
					t.Errorf("temporary files left behind: %v", leftovers)
				}
			})
		}
	}
}
