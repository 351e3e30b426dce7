package lms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/lms"
)

var importSource = &config.Source{Name: "import", LearnerKey: "lms_id"}

func TestImport_CSV(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	// A report as Workday exports it, columns renamed: Priya by her LMS
	// id, Tom by email, a stranger, and a completion from last year.
	csv := "\ufeffEmail,LMS_ID,Activity,Name,Verb,Timestamp\n" +
		",42,https://lms.example.com/course/view.php?id=7,Giving feedback,completed,2026-06-02T08:00:00Z\n" +
		"tom.berg@example.com,,https://cmi5.example.com/course/hard/au/1,Hard conversations,completed,2026-06-02\n" +
		"someone@example.com,,https://lms.example.com/course/view.php?id=7,Giving feedback,completed,2026-06-02\n" +
		"priya@example.com,,https://cmi5.example.com/course/hard/au/1,Hard conversations,completed,2025-06-02\n"
	res, err := v.intake.Import(context.Background(), strings.NewReader(csv), "csv", importSource, lms.Flags{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 4 || res.New != 4 || res.Nudges != 2 {
		t.Fatalf("result %+v, want 4 read, 4 new, 2 nudges", res)
	}
	counts, _ := v.intake.Counts()
	if counts["event"] != 2 || counts["unmapped"] != 1 || counts["old"] != 1 {
		t.Errorf("counts %v", counts)
	}
	// The same file again: nothing new.
	res, err = v.intake.Import(context.Background(), strings.NewReader(csv), "csv", importSource, lms.Flags{}, nil)
	if err != nil || res.New != 0 || res.Known != 4 || res.Nudges != 0 {
		t.Fatalf("second import %+v, %v: want everything known", res, err)
	}
}

func TestImport_JSONLinesBulk(t *testing.T) {
	v := newEnv(t, baseConfig, now)
	jsonl := stmt("", now) + "\n\n" + strings.ReplaceAll(fixture(t, "cmi5_completed.json"), "\n", "") + "\n"
	res, err := v.intake.Import(context.Background(), strings.NewReader(jsonl), "jsonl", importSource, lms.Flags{Bulk: true}, nil)
	if err != nil || res.New != 2 || res.Nudges != 0 {
		t.Fatalf("bulk import %+v, %v: want 2 stored and no nudge", res, err)
	}
	if len(v.due(t)) != 0 {
		t.Error("a bulk import scheduled nudges")
	}
}

func TestImport_Errors(t *testing.T) {
	for name, tc := range map[string]struct{ format, body, want string }{
		"UnknownColumn": {"csv", "email,course\n", `unknown column "course"`},
		"NoLearner":     {"csv", "activity,timestamp\n", `needs an "email" or an "lms_id"`},
		"BadTimestamp":  {"csv", "email,activity,timestamp\na@example.com,https://x.example.com/1,June\n", "CSV line 2"},
		"BadJSON":       {"jsonl", stmt("", now) + "\n{nope\n", "line 2"},
		"BadLastLine":   {"jsonl", strings.Repeat(stmt("", now)+"\n", 6000) + "{nope\n", "line 6001"},
		"Format":        {"xml", "", "unknown format"},
	} {
		t.Run(name, func(t *testing.T) {
			v := newEnv(t, baseConfig, now)
			_, err := v.intake.Import(context.Background(), strings.NewReader(tc.body), tc.format, importSource, lms.Flags{}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want …%s…", err, tc.want)
			}
			if n := v.stored(t); n != 0 {
				t.Errorf("a bad file stored %d statements", n)
			}
		})
	}
}
