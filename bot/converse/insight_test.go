package converse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// The digest goes to the admin who asks, as a direct message of their
// own; a manager is refused before anything is queued, and a caller
// trusted as an admin (the terminal's user) who acts as a manager without
// the role on the roster gets a refusal, not the digest.
func TestExecutor_Digest(t *testing.T) {
	w := newWorld(t)
	if _, err := w.run(t, ann, "digest", "", "d1"); !errors.Is(err, converse.ErrAdminOnly) {
		t.Errorf("digest by a manager: %v, want refused", err)
	}
	ans, err := w.run(t, converse.Caller{Manager: "ann", Admin: true}, "digest", "", "d2")
	if err != nil || ans.Done || !strings.Contains(ans.Text, "L&D admins on the roster") {
		t.Errorf("digest for a manager who is no roster admin: %+v, %v", ans, err)
	}
	w.flush(t)
	if n := len(w.chat.sent()); n != 0 {
		t.Fatalf("%d messages sent after refused digests", n)
	}
	ans, err = w.run(t, lee, "digest", "", "d3")
	if err != nil || !ans.Done || ans.Text != "Your digest of 1 program is on its way as a direct message." {
		t.Fatalf("digest: %+v, %v", ans, err)
	}
	w.flush(t)
	got := w.chat.sent()
	if len(got) != 1 || got[0].Kind != nudges.KindDigest {
		t.Fatalf("sent %+v, want one digest", got)
	}
}

// hold keeps, pauses or stops a manager's nudges; a choice that is none
// of them stores nothing, and the same delivery is one answer.
func TestExecutor_Hold(t *testing.T) {
	w := newWorld(t)
	if _, err := w.run(t, ann, "hold maybe", "", "d1"); !errors.Is(err, converse.ErrInvalid) {
		t.Errorf("hold maybe: %v, want invalid", err)
	}
	if n := len(w.logs(t)); n != 0 {
		t.Fatalf("%d logs after a wrong choice", n)
	}
	ans, err := w.run(t, ann, "hold stop", "", "d2")
	if err != nil || !ans.Done || !strings.HasPrefix(ans.Text, "Stopped: no more nudges.") {
		t.Fatalf("hold stop: %+v, %v", ans, err)
	}
	if ans, err := w.run(t, ann, "hold stop", "", "d2"); err != nil || ans.Done {
		t.Errorf("the same delivery again: %+v, %v; want it stored once", ans, err)
	}
	if _, err := w.run(t, lee, "send checkin ann", "", "d3"); err != nil {
		t.Fatal(err)
	}
	w.flush(t)
	if n := len(w.chat.sent()); n != 0 {
		t.Errorf("%d messages reached a manager who stopped the nudges", n)
	}
	ans, err = w.run(t, ann, "hold keep", "", "d4")
	if err != nil || !ans.Done || ans.Text != "Great: the nudges keep coming." {
		t.Fatalf("hold keep: %+v, %v", ans, err)
	}
}
