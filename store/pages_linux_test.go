package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/store"
)

// rssFileKB is how much of mapped files this process holds resident.
func rssFileKB(t *testing.T) int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc here:", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// After a scan of the whole file, ReleasePages gives its pages back: the
// bot's resident memory does not carry the data file, and every log reads
// back the same afterwards.
func TestReleasePages_ScanLeavesNoResidentFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	at := time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC)
	text := strings.Repeat("what changed in the one-to-ones ", 30)
	const logs = 40_000 // about 40 MB
	for batch := range logs / 5000 {
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			for i := range 5000 {
				n := batch*5000 + i
				if err := tx.AddLog(&store.Log{ID: fmt.Sprint("r", n), Manager: "ann", Kind: "note", CreatedAt: at.Add(time.Duration(n) * time.Second),
					Answers: map[string]string{"note": text}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A fresh process's view of the file: nothing of it resident yet.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err = store.Open(path, store.Options{}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		if err := st.View(func(tx *store.Tx) error {
			return tx.EachLog(func(l *store.Log) error {
				if l.Answers["note"] == text {
					n++
				}
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := rssFileKB(t)
	if n := count(); n != logs {
		t.Fatalf("read %d logs, want %d", n, logs)
	}
	scanned := rssFileKB(t)
	if err := st.View(func(tx *store.Tx) error { tx.ReleasePages(); return nil }); err != nil {
		t.Fatal(err)
	}
	released := rssFileKB(t)
	if grew := scanned - before; grew < 20_000 || released-before > grew/4 {
		t.Fatalf("resident file pages: %d kB before the scan, %d after, %d after release", before, scanned, released)
	}
	if n := count(); n != logs {
		t.Fatalf("after release, read %d logs, want %d", n, logs)
	}
}
