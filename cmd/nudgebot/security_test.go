package main

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
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

// TestControlSocket_PrivateFromTheStart: with a permissive umask and a
// data_dir others may enter, the control socket is never, not even for the
// moment after it is bound, one that another user could connect to.
func TestControlSocket_PrivateFromTheStart(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dataDir, "nudgebot.sock")
	bound := false
	listen := func(network, address string) (net.Listener, error) {
		l, err := net.Listen(network, address)
		if err != nil {
			return nil, err
		}
		bound = true
		// Connecting needs write permission on the socket and search
		// permission on its directory; check both as the socket is born.
		sock, err := os.Stat(address)
		if err != nil {
			t.Fatal(err)
		}
		dir, err := os.Stat(filepath.Dir(address))
		if err != nil {
			t.Fatal(err)
		}
		if sock.Mode().Perm()&0o022 != 0 && dir.Mode().Perm()&0o011 != 0 {
			t.Errorf("socket bound as %v in a directory of mode %v: others can connect", sock.Mode().Perm(), dir.Mode().Perm())
		}
		return l, nil
	}
	l, err := listenPrivate(path, listen)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !bound {
		t.Fatal("listen was not called")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v (%v), want a socket of mode 0600", path, fi.Mode(), err)
	}
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the bot's own user cannot connect: %v", err)
	}
	c.Close()
	if entries, _ := os.ReadDir(dataDir); len(entries) != 1 {
		t.Errorf("data_dir holds %v, want only the socket", entries)
	}
}

// TestExport_DamagedRecordIsNotQuoted: an export that meets a record it
// cannot decode says which one and why, never what it holds: records carry
// coaching text, and the error goes to a terminal or a log.
func TestExport_DamagedRecordIsNotQuoted(t *testing.T) {
	const secret = "Marcus admitted he is job hunting"
	for name, record := range map[string]string{
		"BadTime":   `{"id":"r1","manager":"dana","kind":"checkin","created_at":"` + secret + `"}`,
		"BadType":   `{"id":"r1","manager":"dana","kind":"checkin","minutes":"` + secret + `"}`,
		"BadSyntax": `{"id":"r1","manager":"dana","answers":{"win":"` + secret + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			cfg := exampleCopy(t)
			if _, _, err := runCmd(t, "", "run", "-config", cfg); err != nil { // creates the data file
				t.Fatal(err)
			}
			db, err := bolt.Open(filepath.Join(filepath.Dir(cfg), "data", "nudgebot.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A coaching log as the first release stored it (JSON), damaged.
			key := append([]byte("dana\x00"), binary.BigEndian.AppendUint64(nil, uint64(testNow.UnixNano()))...)
			err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("logs")).Put(append(key, "r1"...), []byte(record)) })
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			_, errOut, err := runCmd(t, "", "export", "-config", cfg, "-format", "jsonl")
			if err == nil {
				t.Fatal("export of a damaged record succeeded")
			}
			if strings.Contains(err.Error(), "job hunting") || strings.Contains(errOut, "job hunting") {
				t.Fatalf("the record's text reached the error: %v\n%s", err, errOut)
			}
			if !strings.Contains(err.Error(), "damaged") {
				t.Errorf("error %q does not say the data file is damaged", err)
			}
		})
	}
}

// TestOfflineCommands_NeedNoSlackSecrets: plan, status, export and backup
// never talk to Slack, so a Slack config without its tokens is enough for
// them; run still refuses to start without them.
func TestOfflineCommands_NeedNoSlackSecrets(t *testing.T) {
	cfg := exampleCopy(t)
	if _, _, err := runCmd(t, "", "run", "-config", cfg); err != nil { // a data file, from the shell
		t.Fatal(err)
	}
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(raw), `platform = "shell"`, `platform = "slack"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_APP_TOKEN", "")
	out := t.TempDir()
	for _, args := range [][]string{
		{"plan", "-from", "2026-11-23", "-days", "7"},
		{"status"},
		{"export", "-format", "csv"},
		{"backup", "-out", filepath.Join(out, "copy.db")},
	} {
		t.Run(args[0], func(t *testing.T) {
			if _, _, err := runCmd(t, "", append(args, "-config", cfg)...); err != nil {
				t.Fatalf("%s without Slack secrets: %v", args[0], err)
			}
		})
	}
	t.Run("run", func(t *testing.T) {
		_, _, err := runCmd(t, "", "run", "-config", cfg)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
			t.Fatalf("run without Slack secrets: exit %d, %v", exitCode(err), err)
		}
	})
}
