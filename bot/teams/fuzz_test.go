package teams

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// FuzzParseActivity: any body is either a well-formed activity with a
// usable service URL and conversation, or an ErrBadActivity; never a panic.
func FuzzParseActivity(f *testing.F) {
	f.Add([]byte(`{"type":"message","id":"1","serviceUrl":"https://smba.trafficmanager.net/emea/","channelId":"msteams","from":{"id":"29:a","aadObjectId":"x"},"conversation":{"id":"a:1","tenantId":"t"},"text":"hi"}`))
	f.Add([]byte(`{"type":"invoke","name":"adaptiveCard/action","serviceUrl":"http://127.0.0.1:1/x","from":{"id":"29:a"},"conversation":{"id":"c"},"value":{"action":{"type":"Action.Execute","verb":"log","data":{"nudge":"n1","act":"log"}}}}`))
	f.Add([]byte(`{"type":"message","serviceUrl":"javascript:alert(1)","from":{"id":"1"},"conversation":{"id":"c"}}`))
	f.Add([]byte(`{"type":"conversationUpdate"} {}`))
	f.Add([]byte(`null`))
	// A fragment marker that normalisation would have moved.
	f.Add([]byte(`{"type":"message","serviceUrl":"http://127.0.0.1:1/#","from":{"id":"1"},"conversation":{"id":"c"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseActivity(body)
		if err != nil {
			if a != nil {
				t.Fatal("an error with an activity")
			}
			return
		}
		if a.Type == "" || a.Conversation == nil || a.Conversation.ID == "" || a.From == nil || a.From.ID == "" {
			t.Fatalf("accepted an incomplete activity: %+v", a)
		}
		if n, err := normalServiceURL(a.ServiceURL); err != nil || n != a.ServiceURL {
			t.Fatalf("accepted service URL %q (%v)", a.ServiceURL, err)
		}
		_ = a.Tenant()
		if len(a.Value) > 0 {
			_, _ = parseCardAction(a.Value, a.Type == TypeInvoke)
		}
	})
}

// FuzzCardAction: any card action value is read or refused, and what is
// read always names an action.
func FuzzCardAction(f *testing.F) {
	f.Add([]byte(`{"action":{"type":"Action.Execute","verb":"outcome","data":{"nudge":"n","act":"outcome","value":"priya|applied"}}}`), true)
	f.Add([]byte(`{"nudge":"n","act":"skip","reason":"holiday","kind":"checkin"}`), false)
	f.Add([]byte(`{"act":7}`), false)
	f.Fuzz(func(t *testing.T, raw []byte, invoke bool) {
		ca, err := parseCardAction(json.RawMessage(raw), invoke)
		if err == nil && ca.act == "" {
			t.Fatal("read an action without a name")
		}
	})
}

// FuzzCommandText: typed text is a command or a note, never a panic; a
// command is text the grammar reads (or a "/" made it one), and text that
// is no command is left whole for the note.
func FuzzCommandText(f *testing.F) {
	for _, s := range []string{"status", "/nudge send checkin ann@example.com", "/", "/nudge", "home",
		`send pledge <a href="mailto:a@b.c">a@b.c</a>`, "Priya was off sick", "HOME", "/frobnicate x", "send  \t checkin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmd, ok := commandText(s)
		var unknown *converse.UnknownCommandError
		_, err := converse.Parse(converse.Chatroom, cmd)
		switch {
		case !ok && strings.HasPrefix(s, "/"):
			t.Fatalf("%q starts with / but was taken for a note", s)
		case ok && !strings.HasPrefix(s, "/") && errors.As(err, &unknown):
			t.Fatalf("%q was taken for a command the grammar does not know", s)
		}
	})
}
