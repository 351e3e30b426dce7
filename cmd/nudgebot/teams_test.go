package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/internal/teamsfake"
)

const teamsAppID = "00000000-0000-0000-0000-0000000000a1"
const teamsTenant = "11111111-1111-1111-1111-111111111111"

// teamsConfig writes a Teams configuration; extra goes into [msteams].
func teamsConfig(t *testing.T, listen, extra string) string {
	t.Helper()
	text := `data_dir = "data"
[chat]
platform = "teams"
[http]
listen = "` + listen + `"
[msteams]
app_id = "` + teamsAppID + `"
tenant_id = "` + teamsTenant + `"
` + extra + `
[[programs]]
id = "p"
name = "P"
launch = "2026-06-01"
weeks = 4
[[managers]]
id = "ann"
name = "Ann"
email = "ann@example.com"
`
	path := filepath.Join(t.TempDir(), "nudgebot.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTeamsPackage: the package holds a manifest that validates against
// the Teams 1.22 schema and names the bot, a 192×192 colour icon and a
// 32×32 outline icon on a transparent background.
func TestTeamsPackage(t *testing.T) {
	cfg := teamsConfig(t, "127.0.0.1:0", "")
	out := filepath.Join(t.TempDir(), "nudgebot.zip")
	if _, stderr, err := runCmd(t, "", "teams-package", "-config", cfg, "-out", out); err != nil {
		t.Fatalf("teams-package: %v %s", err, stderr)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	schemaFile, err := os.Open(filepath.Join("..", "..", "..", "shared", "schemas", "teams-manifest-1.22.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	doc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.22/MicrosoftTeams.schema.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jsonschema.UnmarshalJSON(bytes.NewReader(files["manifest.json"]))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(m); err != nil {
		t.Fatalf("manifest does not validate: %v\n%s", err, files["manifest.json"])
	}
	if !strings.Contains(string(files["manifest.json"]), `"botId": "`+teamsAppID+`"`) {
		t.Fatalf("the manifest does not name the bot: %s", files["manifest.json"])
	}
	checkManifestCommands(t, files["manifest.json"])
	for name, size := range map[string]int{"color.png": 192, "outline.png": 32} {
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Fatalf("%s is %v, want %d×%d", name, b, size, size)
		}
		_, _, _, a := img.At(0, 0).RGBA()
		if name == "outline.png" && a != 0 {
			t.Fatal("the outline icon's background is not transparent")
		}
		if name == "color.png" && a != 0xffff {
			t.Fatal("the colour icon is not opaque")
		}
	}
}

// TestRunTeamsFailsFast: run stops at once, with a clear message, when the
// secret is missing or the token request is refused; the development mode
// is refused on a non-loopback address.
func TestRunTeamsFailsFast(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: teamsAppID, AppPassword: "right", TenantID: teamsTenant})
	defer f.Close()
	ids := `login_authority = "` + f.Authority() + `"
openid_metadata_url = "` + f.OpenIDMetadata() + `"`

	t.Setenv("MICROSOFT_APP_PASSWORD", "")
	_, _, err := runCmd(t, "", "run", "-config", teamsConfig(t, "127.0.0.1:0", ids))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "MICROSOFT_APP_PASSWORD") {
		t.Fatalf("no secret: exit %d, %v", exitCode(err), err)
	}

	t.Setenv("MICROSOFT_APP_PASSWORD", "wrong")
	_, _, err = runCmd(t, "", "run", "-config", teamsConfig(t, "127.0.0.1:0", ids))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a refused secret: %v", err)
	}

	t.Setenv("MICROSOFT_APP_PASSWORD", "right")
	_, _, err = runCmd(t, "", "run", "-config", teamsConfig(t, ":0", ids+"\ndev_skip_auth = true"))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("development mode on every interface: exit %d, %v", exitCode(err), err)
	}
}

// TestRunTeams_EndToEnd: `run` on Teams serves /api/messages: a signed
// activity from a manager who installed the app is answered in their chat
// through the connector, and a forged one is refused.
func TestRunTeams_EndToEnd(t *testing.T) {
	f := teamsfake.New(teamsfake.Options{AppID: teamsAppID, AppPassword: "right", TenantID: teamsTenant})
	defer f.Close()
	conv := f.Install("29:ann")
	f.AddUser("29:ann", "aad-ann", "ann@example.com")
	t.Setenv("MICROSOFT_APP_PASSWORD", "right")
	cfg := teamsConfig(t, "127.0.0.1:0", `login_authority = "`+f.Authority()+`"
openid_metadata_url = "`+f.OpenIDMetadata()+`"`)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logR, logW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", "-config", cfg}, strings.NewReader(""), io.Discard, logW, withClock(fixedClock(testNow)))
		logW.Close()
	}()
	addr := ""
	lines := bufio.NewScanner(logR)
	for addr == "" && lines.Scan() {
		var l struct{ Message, Addr string }
		if json.Unmarshal(lines.Bytes(), &l) == nil && l.Message == "HTTP server listening" {
			addr = l.Addr
		}
	}
	go func() {
		for lines.Scan() {
		}
	}()
	if addr == "" {
		t.Fatalf("the bot did not start its HTTP server: %v", <-done)
	}
	endpoint := "http://" + addr + "/api/messages"
	act := map[string]any{"type": "message", "id": "m1", "text": "home", "serviceUrl": f.ServiceURL(), "channelId": "msteams",
		"from":         map[string]any{"id": "29:ann", "aadObjectId": "aad-ann"},
		"conversation": map[string]any{"id": conv, "conversationType": "personal", "tenantId": teamsTenant}}
	if s, _, _ := teamsfake.Post(endpoint, "Bearer "+f.Sign(teamsfake.Claims{IssuedAt: testNow.Add(-2 * time.Hour)}), act); s != 401 {
		t.Fatalf("an expired token: %d, want 401", s)
	}
	if s, _, err := f.Deliver(endpoint, testNow, act); s != 200 || err != nil {
		t.Fatalf("a genuine activity: %d %v", s, err)
	}
	<-f.Reached(1)
	msgs := f.Messages(conv)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Attachments[0]), "Your week") {
		t.Fatalf("Ann's chat: %+v", msgs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// checkManifestCommands: the commands Teams offers in its compose box are
// the grammar's on a chat platform: each one typed as listed is a command
// there (not a note), and every command of a manager is listed.
func checkManifestCommands(t *testing.T, manifest []byte) {
	t.Helper()
	var m struct {
		Bots []struct {
			CommandLists []struct {
				Commands []struct{ Title, Description string }
			}
		}
	}
	if err := json.Unmarshal(manifest, &m); err != nil || len(m.Bots) != 1 || len(m.Bots[0].CommandLists) != 1 {
		t.Fatalf("manifest bots: %v %s", err, manifest)
	}
	listed := map[string]bool{}
	for _, c := range m.Bots[0].CommandLists[0].Commands {
		var unknown *converse.UnknownCommandError
		if _, err := converse.Parse(converse.Chatroom, c.Title); errors.As(err, &unknown) {
			t.Errorf("the manifest lists %q, which is no command on a chat platform", c.Title)
		}
		listed[c.Title] = true
	}
	for _, s := range converse.Specs(converse.Chatroom, false) {
		if !listed[string(s.Name)] {
			t.Errorf("the manifest does not list the manager's command %q", s.Name)
		}
	}
	if !listed["send"] {
		t.Error("the manifest does not list send")
	}
}
