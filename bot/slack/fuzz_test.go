package slack_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	nslack "github.com/nudgebot/nudgebot/bot/slack"
)

// Whatever Slack (or someone posing as it) sends — an event, an
// interaction payload, a slash command form, a button's ids, a submitted
// view — parses or is refused, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(`{"type":"event_callback","event":{"type":"message","channel_type":"im","text":"hi"}}`, "checkin:n1:open", "x")
	f.Add(`{"type":"view_submission","view":{"callback_id":"checkin:n1","state":{"values":{"b":{"a":{"type":"plain_text_input","value":"v"}}}}}}`, "skip:n1", "")
	f.Add(`{"type":"block_actions","actions":[{"action_id":"snooze:n1:1d","value":"1d"}]}`, "", "")
	f.Fuzz(func(t *testing.T, body, actionID, value string) {
		slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		form := url.Values{"payload": {body}}
		req, _ := http.NewRequest("POST", "/slack/interactions", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		slack.InteractionCallbackParse(req)
		cmd, _ := http.NewRequest("POST", "/slack/commands", strings.NewReader("command=/nudge&text="+url.QueryEscape(body+" "+value)))
		cmd.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		slack.SlashCommandParse(cmd)
		nslack.ParseAction(actionID, value)
		var cb slack.InteractionCallback
		if json.Unmarshal([]byte(body), &cb) == nil {
			nslack.ParseSubmission(cb.View)
			nslack.ParseSkip(cb.View)
		}
	})
}
