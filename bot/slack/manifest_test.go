package slack_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// The app manifest sits in slack/ at the repository root.
var manifestPath = filepath.Join("..", "..", "slack", "manifest.yaml")

// ecmaRegexp lets the validator run the manifest schema's ECMA-262
// patterns, whose look-aheads Go's regexp rejects.
type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

func (r ecmaRegexp) String() string { return r.re.String() }

func mustManifestSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	path, err := filepath.Abs(filepath.Join(schemaDir, "slack-app-manifest.schema.json"))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := readJSON(path)
	if err != nil {
		tb.Fatalf("manifest schema (expected beside the repository root): %v", err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return ecmaRegexp{re}, nil
	})
	// The schema has no $id: register it under its file path, which is
	// also where the compiler would look, so nothing is fetched.
	if err := c.AddResource(path, doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

// manifest is the part of the manifest the tests read.
type manifest struct {
	Features struct {
		AppHome struct {
			HomeTab      *bool `json:"home_tab_enabled"`
			MessagesTab  *bool `json:"messages_tab_enabled"`
			MessagesRead *bool `json:"messages_tab_read_only_enabled"`
		} `json:"app_home"`
		BotUser struct {
			DisplayName  string `json:"display_name"`
			AlwaysOnline bool   `json:"always_online"`
		} `json:"bot_user"`
		SlashCommands []struct {
			Command, Description string
			UsageHint            string `json:"usage_hint"`
			ShouldEscape         *bool  `json:"should_escape"`
		} `json:"slash_commands"`
	} `json:"features"`
	OAuth struct {
		Scopes struct{ Bot []string } `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		Events struct {
			Bot []string `json:"bot_events"`
		} `json:"event_subscriptions"`
		Interactivity struct {
			Enabled bool `json:"is_enabled"`
		} `json:"interactivity"`
		OrgDeploy     *bool `json:"org_deploy_enabled"`
		SocketMode    bool  `json:"socket_mode_enabled"`
		TokenRotation *bool `json:"token_rotation_enabled"`
	} `json:"settings"`
}

func TestManifest(t *testing.T) {
	y, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatalf("manifest is not valid YAML: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := mustManifestSchema(t).Validate(doc); err != nil {
		t.Fatalf("manifest does not validate: %v", err)
	}

	var m manifest
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"chat:write", "chat:write.public", "im:write", "im:history", "im:read", "users:read", "users:read.email", "commands", "files:write"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("bot scope %s missing", s)
		}
	}
	for _, e := range []string{"app_home_opened", "message.im"} {
		if !slices.Contains(m.Settings.Events.Bot, e) {
			t.Errorf("bot event %s missing", e)
		}
	}
	f := m.Features
	if f.BotUser.DisplayName != "nudgebot" || !f.BotUser.AlwaysOnline {
		t.Errorf("bot user %+v", f.BotUser)
	}
	// Without a writable Messages tab managers cannot reply to the bot.
	if h := f.AppHome; !isTrue(h.HomeTab) || !isTrue(h.MessagesTab) || !isFalse(h.MessagesRead) {
		t.Errorf("app home: home %v, messages %v, read-only %v", deref(h.HomeTab), deref(h.MessagesTab), deref(h.MessagesRead))
	}
	if len(f.SlashCommands) != 1 {
		t.Fatalf("%d slash commands, want /nudge", len(f.SlashCommands))
	}
	c := f.SlashCommands[0]
	if c.Command != "/nudge" || c.Description == "" || c.UsageHint != "help | checkin | pledge | snooze | status" || !isFalse(c.ShouldEscape) {
		t.Errorf("slash command %+v", c)
	}
	s := m.Settings
	if !s.Interactivity.Enabled || !s.SocketMode || !isFalse(s.OrgDeploy) || !isFalse(s.TokenRotation) {
		t.Errorf("settings: interactivity %v, socket mode %v, org deploy %v, token rotation %v",
			s.Interactivity.Enabled, s.SocketMode, deref(s.OrgDeploy), deref(s.TokenRotation))
	}
}

// TestManifestSchemaRejects proves the manifest validation has teeth,
// including the ECMA-262 patterns run through regexp2.
func TestManifestSchemaRejects(t *testing.T) {
	sch := mustManifestSchema(t)
	for name, doc := range map[string]string{
		"NoDisplayInformation": `{"features":{"bot_user":{"display_name":"nudgebot"}}}`,
		"UnknownSetting":       `{"display_information":{"name":"x"},"settings":{"socket_mode":true}}`,
		"BadUnfurlDomain":      `{"display_information":{"name":"x"},"features":{"unfurl_domains":["-example.com"]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err == nil {
				t.Error("schema accepted a broken manifest")
			}
		})
	}
	ok, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"display_information":{"name":"x"},"features":{"unfurl_domains":["example.com"]}}`)))
	if err := sch.Validate(ok); err != nil {
		t.Errorf("schema rejects a good unfurl domain: %v", err)
	}
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }
func deref(b *bool) any {
	if b == nil {
		return "unset"
	}
	return *b
}
