package bot_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// CheckForm applies the rules HandleReply applies on submit, to a form
// filled in so far, and stores nothing: the shell asks a wrong answer again
// by it.
func TestCheckForm(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z") // Tuesday in London
	for _, tc := range []struct {
		name   string
		kind   nudges.Kind
		fields map[string]string
		want   []string // fields with a problem, in form order
	}{
		{"CheckInOK", nudges.KindCheckIn, checkIn("priya", "10", "2026-06-02", "a win", "y"), nil},
		{"CheckInNotStarted", nudges.KindCheckIn, map[string]string{}, []string{
			nudges.FieldMember, nudges.FieldTried, nudges.FieldChanged, nudges.FieldNext, nudges.FieldMinutes, nudges.FieldReview}},
		{"MemberOnlySoFar", nudges.KindCheckIn, map[string]string{nudges.FieldMember: "Priya Shah"}, []string{
			nudges.FieldTried, nudges.FieldChanged, nudges.FieldNext, nudges.FieldMinutes, nudges.FieldReview}},
		{"ReviewYesterday", nudges.KindCheckIn, checkIn("priya", "10", "2026-06-01", "", ""), []string{nudges.FieldReview}},
		{"ReviewNotADate", nudges.KindCheckIn, checkIn("priya", "10", "next week", "", ""), []string{nudges.FieldReview}},
		{"MinutesTooMany", nudges.KindCheckIn, checkIn("priya", "481", "2026-06-09", "", ""), []string{nudges.FieldMinutes}},
		{"ShareNeitherYesNorNo", nudges.KindCheckIn, checkIn("priya", "10", "2026-06-09", "a win", "maybe"), []string{nudges.FieldShare}},
		{"ShareWithoutWin", nudges.KindCheckIn, checkIn("priya", "10", "2026-06-09", "", "yes"), []string{nudges.FieldShare}},
		{"NotShared", nudges.KindCheckIn, checkIn("priya", "10", "2026-06-09", "a win", "n"), nil},
		{"PledgeOK", nudges.KindPledge, map[string]string{nudges.FieldPledge: "2"}, nil},
		{"PledgeEmpty", nudges.KindPledge, map[string]string{nudges.FieldPledge: " "}, []string{nudges.FieldPledge}},
		{"PledgeNothingToReview", nudges.KindPledge, map[string]string{nudges.FieldKept: "perhaps", nudges.FieldPledge: "x"}, nil},
		{"NoFormForKind", nudges.KindSummary, map[string]string{}, []string{"kind"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fe, err := v.e.CheckForm("ann", tc.kind, tc.fields)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fe {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems with %q, want %q (%v)", got, tc.want, fe)
			}
		})
	}
	if _, err := v.e.CheckForm("mallory", nudges.KindCheckIn, nil); !errors.Is(err, bot.ErrUnknownManager) {
		t.Errorf("unknown manager: error %v, want %v", err, bot.ErrUnknownManager)
	}
	if n := len(v.logs(t)); n != 0 {
		t.Errorf("checking forms stored %d logs", n)
	}
}

// An invalid reply is answered before any write: it never joins a commit
// that other replies share, so it cannot roll one back. With the store
// closed, a write would fail with ErrClosed; invalid answers still get
// their field errors, and only the valid one reaches the store.
func TestHandleReply_InvalidIsAnsweredBeforeTheWrite(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	if err := v.st.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range []bot.Reply{
		{ID: "r1", Manager: "ann", Kind: nudges.KindCheckIn, Action: nudges.ActLog, Fields: checkIn("nobody", "10", "2026-06-09", "", "")},
		{ID: "r2", Manager: "ann", Kind: nudges.KindAssignment, Action: nudges.ActOutcome, Fields: map[string]string{nudges.FieldLearner: "priya", nudges.FieldOutcome: "maybe"}},
		{ID: "r3", Manager: "ann", Action: bot.ActNote, Fields: map[string]string{nudges.FieldNote: "  "}},
		{ID: "r4", Manager: "ann", Nudge: "n1", Action: nudges.ActSkip, Fields: map[string]string{nudges.FieldReason: ""}},
		{ID: "r5", Manager: "ann", Action: "dance"},
	} {
		var fe bot.FieldErrors
		if _, err := v.e.HandleReply(ctx, r); !errors.As(err, &fe) {
			t.Errorf("reply %s: %v, want field errors without a write", r.ID, err)
		}
	}
	valid := bot.Reply{ID: "r6", Manager: "ann", Kind: nudges.KindCheckIn, Action: nudges.ActLog, Fields: checkIn("priya", "10", "2026-06-09", "", "")}
	if _, err := v.e.HandleReply(ctx, valid); !errors.Is(err, store.ErrClosed) {
		t.Errorf("a valid reply: %v, want it to reach the (closed) store", err)
	}
}

// A reply delivered again is answered as the duplicate it is, even where
// the checks would now refuse it only because it was stored: a pledge
// made leaves it awaiting review, which the next pledge must give.
func TestHandleReply_RedeliveredPledgeIsADuplicate(t *testing.T) {
	v := newEnv(t, baseConfig, "2026-06-02T09:00:00Z")
	p := bot.Reply{ID: "p1", Kind: nudges.KindPledge, Action: nudges.ActLog, Fields: map[string]string{nudges.FieldPledge: "1"}}
	if res, err := v.reply(t, p); err != nil || res.Duplicate {
		t.Fatalf("first pledge: %+v %v", res, err)
	}
	if res, err := v.reply(t, p); err != nil || !res.Duplicate {
		t.Fatalf("the same pledge delivered again: %+v %v, want a duplicate", res, err)
	}
	p.ID = "p2"
	var fe bot.FieldErrors
	if _, err := v.reply(t, p); !errors.As(err, &fe) || fe[0].Field != nudges.FieldKept {
		t.Fatalf("another pledge without reviewing the first: %v, want a problem with %s", err, nudges.FieldKept)
	}
	if n := len(v.logs(t)); n != 1 {
		t.Fatalf("%d logs, want 1", n)
	}
}
