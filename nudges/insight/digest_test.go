package insight_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/nudges/insight"
)

func names(id string) string { return map[string]string{"ana": "Ana Ortiz", "ben": "Ben Hale"}[id] }

func TestDigest(t *testing.T) {
	f := privacyFacts()
	rate := reply("ben", "ben1", "rating", 1, 3)
	rate.Rating = nudges.ActUseful
	// Ana logs her first check-in this week, after last week's digest.
	f.replies = append(f.replies, rate, checkin("ana", "", 6, 20))
	now := f.report(t, params)
	lastP := params
	lastP.To = params.To.AddDays(-7)
	last := f.report(t, lastP).For(insight.LnD())

	m, err := insight.Digest(program, params.To, now.For(insight.LnD()), &last, names)
	if err != nil {
		t.Fatal(err)
	}
	text := m.Title + "\n" + m.Context + "\n" + strings.Join(m.Lines, "\n")
	for _, want := range []string{
		"Weekly digest: Coaching",
		"Reach: 2 of 2 managers nudged, 2 answered (0% of nudges), 2 coached.",
		"First application: 0% of 5 learners within two weeks of their module (target 50%; teams under 5 not counted).",
		"Red flags (3):\n• Ana Ortiz missed 2 check-ins in a row\n• Ben Hale missed 2 check-ins in a row\n• Team five (Ben Hale): no first application",
		"A win Ben Hale shared: led stand-up",
		"Most useful: weekly: 100% useful of 1 ratings (95% interval 21–100%)",
		"Coaching: 5 minutes a week per manager (target 30); 0 of 2 managers average the target or more.",
		"Since last week: +1 managers coached",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	// Team four has four learners: nothing of it reaches L&D.
	if strings.Contains(text, "Team four") {
		t.Errorf("digest shows the team under the minimum:\n%s", text)
	}
	if m.Kind != nudges.KindDigest || m.Fallback == "" || len(m.Actions) != 0 {
		t.Errorf("digest message %+v", m)
	}
}

func TestDigest_OnlyForLnD(t *testing.T) {
	r := privacyFacts().report(t, params)
	for _, a := range []insight.Audience{insight.Channel("five"), insight.ManagerOf("ben"), {}} {
		if _, err := insight.Digest(program, params.To, r.For(a), nil, names); !errors.Is(err, insight.ErrNotForChannel) {
			t.Errorf("digest for %+v: %v, want refused", a, err)
		}
	}
	lnd := r.For(insight.LnD())
	ch := r.For(insight.Channel("five"))
	if _, err := insight.Digest(program, params.To, lnd, &ch, names); !errors.Is(err, insight.ErrNotForChannel) {
		t.Errorf("digest compared with a channel's view: %v", err)
	}
}
