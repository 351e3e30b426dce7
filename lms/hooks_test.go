package lms_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

const doceboSecret = "docebo-webhook-secret"

// hookConfig adds a Docebo and a Canvas source, and their course ids to
// the modules.
func hookConfig() string {
	c := strings.Replace(baseConfig, `activities = ["https://lms.example.com/course/view.php?id=7"]`,
		`activities = ["https://lms.example.com/course/view.php?id=7", "https://acme.docebosaas.com/learn/course/318"]`, 1)
	c = strings.Replace(c, `prefixes = ["https://cmi5.example.com/course/hard/"]`,
		`prefixes = ["https://cmi5.example.com/course/hard/"]
activities = ["https://acme.instructure.com/courses/10000000000077"]`, 1)
	return c + `
[[lms.sources]]
name = "docebo"
kind = "docebo"
[[lms.sources]]
name = "canvas"
kind = "canvas"
public_key_file = "canvas.pem"
`
}

type hookEnv struct {
	*env
	canvasKey *rsa.PrivateKey
}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	t.Setenv("NUDGEBOT_LMS_DOCEBO_SECRET", doceboSecret)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return &hookEnv{newEnvFiles(t, hookConfig(), now, map[string][]byte{"canvas.pem": pemKey}), key}
}

func (v *hookEnv) hook(t *testing.T, source, body string, headers map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", v.srv.URL+"/hooks/"+source, strings.NewReader(body))
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	resp, err := v.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func doceboSig(body, secret string) map[string]string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return map[string]string{"X-Docebo-Signature": hex.EncodeToString(mac.Sum(nil))}
}

func TestDocebo_CompletionNudgesOnce(t *testing.T) {
	v := newHookEnv(t)
	body := fixture(t, "docebo_course_completed.json")
	for i := range 2 { // Docebo retries; the second delivery changes nothing
		if got := v.hook(t, "docebo", body, doceboSig(body, doceboSecret)); got != 204 {
			t.Fatalf("delivery %d: status %d, want 204", i, got)
		}
	}
	if n := v.stored(t); n != 1 {
		t.Fatalf("stored %d, want 1", n)
	}
	due := v.due(t)
	if len(due) != 1 || due[0].Learner != "priya" || due[0].Module != "Giving feedback" {
		t.Fatalf("due %+v, want one debrief about Priya and Giving feedback", due)
	}
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	if sent := v.chat.Sent(); len(sent) != 1 || !strings.Contains(sent[0].Title, "Priya Shah") ||
		!strings.Contains(strings.Join(sent[0].Lines, " "), "Giving feedback") {
		t.Fatalf("sent %+v, want one debrief naming Priya and Giving feedback", sent)
	}
}

func TestDocebo_Auth(t *testing.T) {
	body := fixture(t, "docebo_course_completed.json")
	for _, tc := range []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"NoSignature", nil, 401},
		{"WrongKey", doceboSig(body, "guess"), 401},
		{"NotHex", map[string]string{"X-Docebo-Signature": "zz"}, 401},
		{"WrongSharedSecret", map[string]string{"X-Webhook-Secret": "guess"}, 401},
		{"HubSignature", map[string]string{"X-Hub-Signature-256": "sha256=" + doceboSig(body, doceboSecret)["X-Docebo-Signature"]}, 204},
		{"SharedSecret", map[string]string{"X-Webhook-Secret": doceboSecret}, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newHookEnv(t)
			if got := v.hook(t, "docebo", body, tc.headers); got != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			want := int64(0)
			if tc.status == 204 {
				want = 1
			}
			if v.stored(t) != want {
				t.Errorf("stored %d, want %d", v.stored(t), want)
			}
		})
	}
}

func TestDocebo_BatchActionNudgesNobody(t *testing.T) {
	v := newHookEnv(t)
	body := strings.Replace(fixture(t, "docebo_course_completed.json"), `"fired_by_batch_action": false`, `"fired_by_batch_action": true`, 1)
	if got := v.hook(t, "docebo", body, doceboSig(body, doceboSecret)); got != 204 {
		t.Fatalf("status %d", got)
	}
	counts, _ := v.intake.Counts()
	if counts["bulk"] != 1 || len(v.due(t)) != 0 {
		t.Fatalf("counts %v, %d nudges: want it recorded as bulk, nudging nobody", counts, len(v.due(t)))
	}
}

func TestDocebo_OtherEventsIgnored(t *testing.T) {
	v := newHookEnv(t)
	body := strings.Replace(fixture(t, "docebo_course_completed.json"), "course.enrollment.completed", "course.enrollment.created", 1)
	if got := v.hook(t, "docebo", body, doceboSig(body, doceboSecret)); got != 204 {
		t.Fatalf("status %d", got)
	}
	if n := v.stored(t); n != 0 {
		t.Fatalf("stored %d", n)
	}
}

func (v *hookEnv) canvasJWT(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	var claims jwt.MapClaims
	if err := json.Unmarshal([]byte(fixture(t, "canvas_course_completed.json")), &claims); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCanvas_SignedCompletion(t *testing.T) {
	v := newHookEnv(t)
	tok := v.canvasJWT(t, v.canvasKey)
	for range 2 {
		if got := v.hook(t, "canvas", tok, nil); got != 204 {
			t.Fatalf("status %d, want 204", got)
		}
	}
	due := v.due(t)
	if n := v.stored(t); n != 1 || len(due) != 1 || due[0].Learner != "tom" || due[0].Module != "Hard conversations" {
		t.Fatalf("stored %d, due %+v: want one debrief about Tom and Hard conversations", n, due)
	}
	v.clock.Set("2026-06-04T10:00:00Z")
	v.flush(t)
	if sent := v.chat.Sent(); len(sent) != 1 || !strings.Contains(sent[0].Title, "Tom Berg") ||
		!strings.Contains(strings.Join(sent[0].Lines, " "), "Hard conversations") {
		t.Fatalf("sent %+v, want one debrief naming Tom and Hard conversations", sent)
	}
}

func TestCanvas_ForgedRefused(t *testing.T) {
	v := newHookEnv(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	valid := v.canvasJWT(t, v.canvasKey)
	parts := strings.Split(valid, ".")
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"metadata": map[string]any{"event_name": "course_completed"}}).
		SignedString(x509.MarshalPKCS1PublicKey(&v.canvasKey.PublicKey))
	for name, body := range map[string]string{
		"OtherKey":     v.canvasJWT(t, other),
		"Unsigned":     fixture(t, "canvas_course_completed.json"),
		"AlgNone":      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"HS256WithPub": hs,
		"Tampered":     parts[0] + "." + parts[1] + "x." + parts[2],
	} {
		t.Run(name, func(t *testing.T) {
			if got := v.hook(t, "canvas", body, nil); got != 401 {
				t.Fatalf("status %d, want 401", got)
			}
		})
	}
	if n := v.stored(t); n != 0 {
		t.Fatalf("stored %d forged events", n)
	}
}

func TestHooks_UnknownSource(t *testing.T) {
	v := newHookEnv(t)
	// An xAPI source is not a webhook source; a name nobody configured is 404.
	for _, src := range []string{"moodle", "nobody"} {
		if got := v.hook(t, src, "{}", nil); got != 404 {
			t.Errorf("/hooks/%s: %d, want 404", src, got)
		}
	}
}
