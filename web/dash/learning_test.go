package dash_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nudgebot/nudgebot/store"
	"github.com/nudgebot/nudgebot/web/dash"
)

// The delivery page counts the LMS's statements by what became of them,
// so L&D sees statements that map to no learner or module (kept, nudging
// nobody) and can fix the mapping.
func TestDelivery_CountsLearningStatements(t *testing.T) {
	v := newEnv(t, envOpt{})
	err := v.st.Write(context.Background(), func(tx *store.Tx) error {
		if err := tx.CountStatement(store.StatementEvent, 4); err != nil {
			return err
		}
		return tx.CountStatement(store.StatementUnmapped, 3)
	})
	if err != nil {
		t.Fatal(err)
	}
	res, body := v.get(v.viewer(), dash.Prefix+"/delivery")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("delivery: %d", res.StatusCode)
	}
	contains(t, body, `<td>event</td><td class="n">4</td>`, `<td>unmapped</td><td class="n">3</td>`)
	if t.Failed() {
		t.Log(body)
	}
}
