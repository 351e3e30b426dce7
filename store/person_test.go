package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

var (
	t0     = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	marcus = store.Who{IDs: []string{"marcus"}, Names: []string{"Marcus Lee"}, Emails: []string{"marcus.lee@example.com"}}
	dana   = store.Who{IDs: []string{"dana"}, Names: []string{"Dana Whitfield"}, Emails: []string{"dana.w@example.com"}}
)

// fillPeople writes a small program's worth of records: Dana manages
// Marcus and Sofia; Omar manages Kai, and once wrote a note naming Marcus.
func fillPeople(t *testing.T, st *store.Store) {
	t.Helper()
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		logs := []*store.Log{
			{ID: "r1", Manager: "dana", Kind: "checkin", Learner: "marcus", CreatedAt: t0, Minutes: 10,
				Answers: map[string]string{"member": "marcus", "tried": "Marcus Lee used the opening line", "win": "Marcus calmed a call"}},
			{ID: "r2", Manager: "dana", Kind: "checkin", Learner: "sofia", CreatedAt: t0.Add(time.Hour), Minutes: 15,
				Answers: map[string]string{"member": "sofia", "tried": "Sofia asked first", "changed": "copied Marcus's approach"}},
			{ID: "r3", Manager: "omar", Kind: "note", CreatedAt: t0, Answers: map[string]string{"note": "Kai shadowed marcus.lee@example.com today"}},
			{ID: "r4", Manager: "omar", Kind: "checkin", Learner: "kai", CreatedAt: t0.Add(2 * time.Hour), Minutes: 5,
				Answers: map[string]string{"member": "kai", "tried": "Kai gave feedback"}},
			{ID: "r5", Manager: "dana", Kind: "assignment", Learner: "marcus", CreatedAt: t0.Add(3 * time.Hour),
				Answers: map[string]string{"learner": "marcus", "outcome": "applied"}},
		}
		// A long history with Marcus: enough pages that erasing it frees
		// some bbolt keeps as they were.
		for i := range 300 {
			logs = append(logs, &store.Log{ID: fmt.Sprintf("h%03d", i), Manager: "dana", Kind: "note", Learner: "marcus",
				CreatedAt: t0.Add(-time.Duration(i+1) * time.Hour), Answers: map[string]string{"note": strings.Repeat("Marcus Lee practised again. ", 8)}})
		}
		for _, l := range logs {
			if err := tx.AddLog(l); err != nil {
				return err
			}
		}
		if err := tx.PutManagerState("dana", store.ManagerState{Streak: 2, LastCheckIn: &store.CheckInRecall{Member: "marcus", Action: "Marcus leads the retro", At: t0}}); err != nil {
			return err
		}
		for _, m := range []string{"dana", "omar"} {
			if err := tx.MarkCoached("p", "2026-06-01", m); err != nil {
				return err
			}
		}
		if err := tx.PutManagerState("omar", store.ManagerState{Streak: 1, Pledge: &store.PledgeRecall{Text: "Pair Kai with Marcus Lee", At: t0}}); err != nil {
			return err
		}
		items := []*store.Item{
			{ID: "n1", Manager: "dana", Kind: nudges.KindCheckIn, State: store.Sent, SentAt: t0, ScheduledAt: t0, NextAttempt: t0},
			{ID: "n2", Manager: "dana", Kind: nudges.KindCheckIn, Learner: "marcus", Module: "m1", State: store.Pending, ScheduledAt: t0, NextAttempt: t0.Add(time.Hour)},
			{ID: "n3", Manager: "omar", Kind: nudges.KindPledge, State: store.Sent, SentAt: t0, ScheduledAt: t0, NextAttempt: t0},
			{ID: "n4", Manager: "omar", Kind: nudges.KindCheckIn, State: store.Pending, ScheduledAt: t0, NextAttempt: t0},
		}
		for _, it := range items {
			if err := tx.PutItem(it); err != nil {
				return err
			}
		}
		for _, d := range []store.Due{
			{At: t0.Add(48 * time.Hour), ID: "d1", Manager: "dana", Kind: nudges.KindCheckIn, Learner: "marcus", Module: "m2"},
			{At: t0.Add(72 * time.Hour), ID: "d2", Manager: "omar", Kind: nudges.KindPledge},
		} {
			if _, err := tx.AddDue(d); err != nil {
				return err
			}
		}
		if err := tx.SetFirstApplication("p", "marcus", store.FirstApplication{Date: nudges.Date{Year: 2026, Month: 6, Day: 1}, Manager: "dana", Log: "r5"}); err != nil {
			return err
		}
		if err := tx.SetFirstApplication("p", "kai", store.FirstApplication{Date: nudges.Date{Year: 2026, Month: 6, Day: 2}, Manager: "omar", Log: "r4"}); err != nil {
			return err
		}
		for _, kv := range [][3]string{{"slack-user", "dana", "U0DANA"}, {"slack-manager", "U0DANA", "dana"}, {"slack-dm", "U0DANA", "D0DANA"},
			{"slack-email", "dana.w@example.com", "U0DANA"}, {"slack-user", "omar", "U0OMAR"}} {
			if err := tx.SetIdentity(kv[0], kv[1], kv[2]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPerson_ExportIsComplete(t *testing.T) {
	st := MustOpen(t, filepath.Join(t.TempDir(), store.FileName))
	fillPeople(t, st)
	var p store.Person
	if err := st.View(func(tx *store.Tx) (err error) { p, err = tx.Person(marcus); return err }); err != nil {
		t.Fatal(err)
	}
	ids := func(n int, id func(int) string) string {
		var out []string
		for i := range n {
			out = append(out, id(i))
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ what, got, want string }{
		{"logs", ids(len(p.Logs), func(i int) string {
			if strings.HasPrefix(p.Logs[i].ID, "h") {
				return "h" // the long history
			}
			return p.Logs[i].ID
		}), strings.Repeat("h,", 300) + "r1,r5"},
		{"mentions", strings.Join(p.Mentions, ","), "r2,r3"},
		{"nudges", ids(len(p.Items), func(i int) string { return p.Items[i].ID }), "n2"},
		{"scheduled", ids(len(p.Due), func(i int) string { return p.Due[i].ID }), "d1"},
		{"first applications", p.FirstApplications["p"].Log, "r5"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if p.State != nil || len(p.Identities) != 0 {
		t.Errorf("a learner has state %+v and identities %v", p.State, p.Identities)
	}
	var d store.Person
	if err := st.View(func(tx *store.Tx) (err error) { d, err = tx.Person(dana); return err }); err != nil {
		t.Fatal(err)
	}
	if d.State == nil || d.State.Streak != 2 || len(d.Logs) != 303 || len(d.Items) != 2 || len(d.Identities) != 4 {
		t.Errorf("dana: state %+v, %d logs, %d nudges, identities %v; want state, 303, 2, 4", d.State, len(d.Logs), len(d.Items), d.Identities)
	}
}

// TestErase_LeavesNoTraceInTheFile erases a learner, then a manager, and
// scans the raw data file for their ids, names and emails after a compaction
// and a restart; what belongs to others stays.
func TestErase_LeavesNoTraceInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillPeople(t, st)
	at := t0.Add(30 * 24 * time.Hour)
	var got [2]store.Erased
	for i, w := range []store.Who{marcus, dana} {
		if err := st.Write(context.Background(), func(tx *store.Tx) (err error) {
			got[i], err = tx.ErasePerson(w, "lin", at)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Logs != 302 || got[0].Scrubbed != 2 || got[0].Nudges != 1 || got[0].Scheduled != 1 || got[0].FirstApplications != 1 {
		t.Errorf("erasing marcus: %+v", got[0])
	}
	if got[1].Logs != 1 || !got[1].State || got[1].Nudges != 1 || got[1].Identities != 4 {
		t.Errorf("erasing dana: %+v", got[1])
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(bytes.ToLower(raw), []byte("marcus")) {
		// Not a failure, but the compaction below proves nothing then.
		t.Log("no freed page kept the erased bytes this time")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Compact(path); err != nil {
		t.Fatal(err)
	}
	raw, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lower := bytes.ToLower(raw)
	for _, s := range []string{"marcus", "lee", "marcus.lee@example.com", "dana", "whitfield", "dana.w@example.com", "u0dana", "d0dana"} {
		if bytes.Contains(lower, []byte(s)) {
			t.Errorf("the data file still holds %q", s)
		}
	}

	st = MustOpen(t, path)
	err = st.View(func(tx *store.Tx) error {
		var left []string
		if err := tx.Logs(func(l *store.Log) error {
			left = append(left, l.ID+":"+l.Answers["tried"]+l.Answers["changed"]+l.Answers["note"])
			return nil
		}); err != nil {
			return err
		}
		want := "r3:Kai shadowed [erased] today,r4:Kai gave feedback"
		if strings.Join(left, ",") != want {
			t.Errorf("logs left: %q, want %q", strings.Join(left, ","), want)
		}
		if st, _ := tx.ManagerState("omar"); st.Pledge == nil || st.Pledge.Text != "Pair Kai with [erased]" || st.Streak != 1 {
			t.Errorf("omar's state: %+v", st)
		}
		if fa, _ := tx.FirstApplication("p", "kai"); fa == nil || fa.Manager != "omar" {
			t.Errorf("kai's first application: %+v", fa)
		}
		if n := tx.Coached("p", "2026-06-01"); n != 1 {
			t.Errorf("coached this week after erasing dana: %d, want omar alone", n)
		}
		if v, ok := tx.Identity("slack-user", "omar"); !ok || v != "U0OMAR" {
			t.Errorf("omar's identity: %q %v", v, ok)
		}
		// An erased reply redelivered is still a duplicate: the erasure
		// cannot be undone by the platform.
		if !tx.HasReply("r1") || !tx.HasReply("r5") || tx.HasReply("r6") {
			t.Errorf("erased replies known: r1 %v, r5 %v; never stored r6 %v", tx.HasReply("r1"), tx.HasReply("r5"), tx.HasReply("r6"))
		}
		var audits []store.Audit
		if err := tx.Audits(func(a store.Audit) error { audits = append(audits, a); return nil }); err != nil {
			return err
		}
		if len(audits) != 2 || audits[0].Action != "erase" || audits[0].Actor != "lin" || !audits[0].At.Equal(at) {
			t.Errorf("audit: %+v", audits)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The outbox counters agree with what is left: omar's two nudges.
	counts, err := st.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.Sent] != 1 || counts[store.Pending] != 1 {
		t.Errorf("counts after erasure: %v, want 1 sent and 1 pending", counts)
	}
	var ready []*store.Item
	if err := st.View(func(tx *store.Tx) (err error) { ready, err = tx.Ready(t0.Add(24*time.Hour), 10); return err }); err != nil {
		t.Fatal(err)
	}
	if len(ready) != 1 || ready[0].ID != "n4" {
		t.Errorf("ready after erasure: %v, want omar's n4 alone", ready)
	}
}
