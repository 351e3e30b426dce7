package store_test

import (
	"slices"
	"testing"

	"github.com/nudgebot/nudgebot/store"
)

// Paging by cursor visits every log once, in the order a full scan does,
// for one manager or for everyone, however the pages fall.
func TestLogsAfter_PagesCoverEveryLogOnce(t *testing.T) {
	st := MustOpen(t, t.TempDir()+"/"+store.FileName)
	fillPeople(t, st)
	for _, manager := range []string{"", "dana", "omar", "nobody"} {
		var want []string
		if err := st.View(func(tx *store.Tx) error {
			return tx.Logs(func(l *store.Log) error {
				if manager == "" || l.Manager == manager {
					want = append(want, l.ID)
				}
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		var got []string
		var after []byte
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("%q: paging does not end", manager)
			}
			n := 0
			if err := st.View(func(tx *store.Tx) error {
				return tx.LogsAfter(after, manager, func(k []byte, l *store.Log) (bool, error) {
					got, after, n = append(got, l.ID), slices.Clone(k), n+1
					return n < 7, nil
				})
			}); err != nil {
				t.Fatal(err)
			}
			if n < 7 {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: paged %d logs, a scan %d; first difference in %v vs %v", manager, len(got), len(want), head(got), head(want))
		}
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }
