package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// The /nudge slash command. Its acknowledgement is always empty and
// immediate; the answer follows through the command's response_url, which
// Slack shows only to the person who typed the command. That keeps every
// subcommand inside the 3 seconds, slow ones (reload, pause) included, and
// the modal of `/nudge checkin` opens right after the acknowledgement,
// while its trigger_id is fresh.

// textRepeated answers a command delivered a second time.
const textRepeated = "I have already handled this command, so I haven't done it again. To do it once more, type the command again."

// command handles a /nudge invocation. Slack never retries a slash command
// by itself, so one that arrives again is a replay (of a captured, signed
// request, still inside its 5 minutes): each invocation is marked handled
// in the store before the acknowledgement, and a second delivery is
// answered without acting.
func (a *Adapter) command(ctx context.Context, e Engine, cmd slack.SlashCommand) ack {
	reply := func(text string) ack {
		return ack{then: func(ctx context.Context) { a.respond(ctx, cmd.ResponseURL, text) }}
	}
	if id := commandID(cmd); id != "" {
		sctx, cancel := context.WithTimeout(ctx, storeBudget)
		first, err := e.FirstDelivery(sctx, id)
		cancel()
		switch {
		case err != nil:
			a.log.Error().Err(err).Str("slack_user", cmd.UserID).Msg("could not record a command")
			return reply(textTryAgain)
		case !first:
			a.refusals.Warn().Str("slack_user", cmd.UserID).Msg("slash command delivered again: answered without acting")
			return reply(textRepeated)
		}
	}
	return ack{then: func(ctx context.Context) { a.runCommand(ctx, e, cmd) }}
}

// commandID names one invocation of a command: its trigger_id, which
// Slack makes unique per invocation and signs with the rest of the
// request, or else its response_url, unique too.
func commandID(cmd slack.SlashCommand) string {
	switch {
	case cmd.TriggerID != "":
		return "slack-command:" + cmd.TriggerID
	case cmd.ResponseURL != "":
		return "slack-command:" + cmd.ResponseURL
	}
	return ""
}

func (a *Adapter) runCommand(ctx context.Context, e Engine, cmd slack.SlashCommand) {
	reply := func(text string) { a.respond(ctx, cmd.ResponseURL, text) }
	uid := cmd.UserID
	mgr, err := a.managerOf(ctx, e, uid)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", uid).Msg("cannot tell who typed a command")
		reply(textTryAgain)
		return
	}
	c, who, err := converse.Interpret(converse.Chatroom, cmd.Text, mgr, func() bool { return a.isAdmin(ctx, e, uid, mgr) })
	var usage *converse.UsageError
	var unknown *converse.UnknownCommandError
	switch {
	case errors.Is(err, converse.ErrAdminOnly):
		a.log.Info().Str("slack_user", uid).Str("command", string(c.Name)).Msg("admin command refused")
		reply(mrkdwnf("Sorry, `/nudge %s` is for L&amp;D admins, so I haven't done anything. If you need it, ask your L&amp;D team.", string(c.Name)))
		return
	case errors.Is(err, converse.ErrNotOnRoster):
		reply(textUnknown)
		return
	case errors.As(err, &usage):
		reply(mrkdwnf("Usage: `/nudge %s`", usage.Spec.Usage(converse.Chatroom)))
		return
	case errors.As(err, &unknown):
		reply(mrkdwnf("I don't know `/nudge %s`.\n", unknown.Word) + helpText(who.Admin))
		return
	case err != nil, c.Name == converse.CmdHelp:
		reply(helpText(who.Admin))
		return
	}
	x := converse.Executor{Engine: e, Surface: converse.Chatroom, Reload: a.opt.Reload,
		Find: func(ctx context.Context, who string) (string, error) { return a.mentioned(ctx, e, who) }}
	ans, err := x.Run(ctx, converse.Request{Caller: who, Command: c, Delivery: commandID(cmd)})
	if err != nil {
		reply(a.commandFailed(mgr, c, err))
		return
	}
	if text := a.showAnswer(ctx, e, cmd, mgr, c, ans); text != "" {
		reply(text)
	}
}

// showAnswer renders what a command did: the form it opens, the week it
// shows, or its text; an answer to a nudge also redraws the nudge's
// message.
func (a *Adapter) showAnswer(ctx context.Context, e Engine, cmd slack.SlashCommand, mgr string, c converse.Command, ans converse.Answer) string {
	switch {
	case ans.Form != "":
		form, err := e.NewForm(mgr, ans.Form)
		if err != nil {
			a.log.Error().Err(err).Str("manager", mgr).Msg("could not build a form")
			return textTryAgain
		}
		if err := a.openView(ctx, cmd.TriggerID, FormModal("", ans.Form, form)); err != nil {
			a.log.Warn().Err(err).Str("manager", mgr).Msg("could not open a form")
			return mrkdwnf("Sorry, Slack didn't let me open the form in time. Please try `/nudge %s` again.", string(c.Name))
		}
		return ""
	case ans.Overview != nil:
		return statusText(*ans.Overview)
	case ans.Counts != nil:
		var b strings.Builder
		b.WriteString("*Outbox*")
		for _, n := range ans.Counts {
			b.WriteString(fmt.Sprintf("\n• %s: %d", n.State, n.N))
		}
		return b.String()
	case ans.Result != nil && ans.Done && ans.Nudge != "":
		a.redraw(ctx, e, mgr, ans.Nudge, ans.Act, "", ans.Text, "", "")
		if ans.Title != "" {
			return mrkdwnf("%s: %s", ans.Title, ans.Text)
		}
	case c.Admin() && ans.Done:
		a.log.Info().Str("command", string(c.Name)).Msg("admin command done")
	}
	return escape(ans.Text)
}

// commandFailed says why a command did nothing.
func (a *Adapter) commandFailed(mgr string, c converse.Command, err error) string {
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		return escape(sentences(fe))
	case errors.Is(err, converse.ErrUnknownNudge):
		return textGone
	}
	a.log.Error().Err(err).Str("manager", mgr).Str("command", string(c.Name)).Msg("command failed")
	return textTryAgain
}

// mention matches a user mention as Slack escapes it in command text.
var mention = regexp.MustCompile(`^<@([A-Z0-9]+)(?:\|[^>]*)?>$`)

// mentioned finds the manager behind a Slack mention an admin typed;
// roster ids and email addresses the executor resolves itself.
func (a *Adapter) mentioned(ctx context.Context, e Engine, s string) (string, error) {
	if m := mention.FindStringSubmatch(s); m != nil {
		return a.managerOf(ctx, e, m[1])
	}
	return "", nil
}

// respond answers a command through its response_url. Only Slack's own
// hook host (or the configured API host) is accepted, so a forged payload
// cannot make the bot post to an arbitrary URL.
func (a *Adapter) respond(ctx context.Context, responseURL, text string) {
	if !a.usableHook(responseURL) {
		a.log.Warn().Msg("command without a usable response_url: answer dropped")
		return
	}
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral})
	if err != nil {
		a.log.Warn().Err(err).Msg("could not answer a command")
	}
}

// usableHook reports whether a response_url points where Slack's do
// (hooks.slack.com over https, or the API's own host): a forged one must
// not make the bot post elsewhere.
func (a *Adapter) usableHook(responseURL string) bool {
	u, err := url.Parse(responseURL)
	return responseURL != "" && err == nil && a.hooks[u.Host] && (u.Host != "hooks.slack.com" || u.Scheme == "https")
}

// helpText is the grammar's help (converse.Specs) as Slack shows it.
func helpText(admin bool) string {
	var b strings.Builder
	b.WriteString("*nudgebot* helps you coach your team through the learning rollout.")
	for _, s := range converse.Specs(converse.Chatroom, false) {
		if s.Name != converse.CmdHelp {
			b.WriteString(mrkdwnf("\n• `/nudge %s` — %s", s.Usage(converse.Chatroom), s.About))
		}
	}
	b.WriteString("\nAnything you write to me directly is kept as a note on your latest open nudge.")
	if admin {
		b.WriteString("\n*For L&amp;D admins*")
		for _, s := range converse.Specs(converse.Chatroom, true) {
			if s.Admin {
				b.WriteString(mrkdwnf("\n• `/nudge %s` — %s", s.Usage(converse.Chatroom), s.About))
			}
		}
	}
	return b.String()
}

// statusText is a manager's week in a few lines.
func statusText(o nudges.Overview) string {
	var b strings.Builder
	b.WriteString("*Your coaching week*")
	if !blank(o.Context) {
		b.WriteString(" — " + escape(o.Context))
	}
	switch len(o.Open) {
	case 0:
		b.WriteString("\n• Nothing is waiting for you.")
	case 1:
		b.WriteString(mrkdwnf("\n• 1 open nudge: %s", o.Open[0].Title))
	default:
		b.WriteString(mrkdwnf("\n• %d open nudges, the latest: %s", len(o.Open), o.Open[0].Title))
	}
	if blank(o.Pledge) {
		b.WriteString("\n• No pledge yet this week: `/nudge pledge` makes one.")
	} else {
		b.WriteString(mrkdwnf("\n• Your pledge: “%s”", o.Pledge))
	}
	if o.Streak > 0 {
		b.WriteString(fmt.Sprintf(" (%d kept in a row)", o.Streak))
	}
	for _, p := range o.Teams {
		name := "Your team"
		if p.Team != nil && !blank(p.Team.Name) {
			name = p.Team.Name
		}
		b.WriteString(mrkdwnf("\n• %s: first application %d of %d", name, p.Applied, p.Learners))
		if t := p.Targets.FirstApplicationShare; t > 0 {
			b.WriteString(fmt.Sprintf(" (target %d%%)", pctOf(t)))
		}
		b.WriteString(fmt.Sprintf(", coaching %d min this week", p.Minutes))
		if t := p.Targets.CoachingMinutes; t > 0 {
			b.WriteString(fmt.Sprintf(" of %d", t))
		}
	}
	return b.String()
}
