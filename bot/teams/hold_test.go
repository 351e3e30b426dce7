package teams_test

import (
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
)

// TestHoldButtons: the buttons of the question asked after ignored nudges
// (keep, pause, stop) carry the choice as their value; a click stores it
// as the manager's answer, and a choice that is none of them is refused
// on the card and stores nothing.
func TestHoldButtons(t *testing.T) {
	v := newEnv(t, "2026-06-01T10:00:00Z")
	v.install(uAnn)
	ci := v.sendNow("ann", nudges.KindCheckIn)
	v.flush()
	click := func(choice string) string {
		out := v.execute(uAnn, ci, nudges.ActHold, nil)
		out["value"].(map[string]any)["action"].(map[string]any)["data"].(map[string]any)["value"] = choice
		return jsonText(v.invokeCard(out))
	}
	if c := click("maybe"); !strings.Contains(c, "answer keep, pause or stop") {
		t.Fatalf("a choice that is none of them: %s", c)
	}
	if n := len(v.logs()); n != 0 {
		t.Fatalf("%d logs after a refused choice", n)
	}
	if c := click(nudges.HoldStop); !strings.Contains(c, "Stopped: no more nudges.") {
		t.Fatalf("stop: %s", c)
	}
	if l := v.logs(); len(l) != 1 || l[0].Kind != "hold" || l[0].Answers[nudges.FieldHold] != nudges.HoldStop {
		t.Fatalf("logs after stop: %+v", l)
	}
}
