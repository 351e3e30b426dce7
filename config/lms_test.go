package config_test

import (
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/config"
)

func TestLoad_LMS(t *testing.T) {
	t.Setenv("NUDGEBOT_LMS_LINKEDIN_SECRET", "env-secret")
	cfg := MustLoad(t, "testdata/lms.toml")
	moodle, linkedin := cfg.Source("moodle-prod"), cfg.Source("linkedin")
	if moodle == nil || linkedin == nil {
		t.Fatalf("sources %+v", cfg.LMS.Sources)
	}
	if moodle.Secret.Value() != "file-secret" || moodle.Key != "moodle-prod" || moodle.Kind != config.SourceXAPI || moodle.LearnerKey != "lms_id" {
		t.Errorf("moodle source %+v (secret from the file, key defaults to the name)", moodle)
	}
	if linkedin.Secret.Value() != "env-secret" || linkedin.Key != "client-7" {
		t.Errorf("linkedin source %+v (secret from NUDGEBOT_LMS_LINKEDIN_SECRET)", linkedin)
	}
	if m := cfg.LMS.Modules; len(m) != 1 || m[0].Program != "p" || m[0].Name != "Module one" {
		t.Errorf("modules %+v", m)
	}
	if got := cfg.Teams[0].Members[0].LMSID; got != "1042" {
		t.Errorf("lms_id %q", got)
	}
	if strings.Contains(strings.Join([]string{moodle.Secret.String(), linkedin.Secret.String()}, ""), "secret") {
		t.Error("a source secret prints")
	}
}

func TestLoad_LMSProblems(t *testing.T) {
	ps := problemsOf(t, "testdata/lms_problems.toml")
	for _, want := range []struct{ key, msg string }{
		{"lms.max_age", "must be positive"},
		{"lms.verbs", `maps to "finished"`},
		{"lms.sources[0].name", `source name "Moodle LMS"`},
		{"lms.sources[0].secret_file", ""}, // never reached: a bad name has no env variable
		{"lms.sources[1].kind", `unknown kind "blackboard"`},
		{"lms.sources[1].learner_key", `unknown roster column "phone"`},
		{"lms.sources[1].rate", "between 0 and 100000"},
		{"lms.sources[1].secret_file", "NUDGEBOT_LMS_CANVAS_SECRET"},
		{"http.listen", "needs an HTTP server"},
		{"programs[0].modules[0].activities[0]", `"course-7" is not an absolute IRI`},
		{"programs[0].modules[1].name", "missing module name"},
		{"programs[0].modules[1]", "no activities or prefixes"},
		{"lms.sources[2].public_key_file", "needs the public key"},
	} {
		found := false
		for _, p := range ps {
			if p.Key == want.key && strings.Contains(p.Msg, want.msg) {
				found = true
			}
		}
		if want.msg == "" {
			if found {
				t.Errorf("%s reported, want nothing: %v", want.key, ps)
			}
			continue
		}
		if !found {
			t.Errorf("want %s: …%s…; got:\n%v", want.key, want.msg, ps)
		}
	}
}
