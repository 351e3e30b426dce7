package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot"
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
func (a *Adapter) command(ctx context.Context, e *bot.Engine, cmd slack.SlashCommand) ack {
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

// adminCommands change what everyone receives: only L&D admins may use them.
var adminCommands = map[string]bool{"send": true, "pause": true, "resume": true, "reload": true, "retry": true, "digest": true}

func (a *Adapter) runCommand(ctx context.Context, e *bot.Engine, cmd slack.SlashCommand) {
	args := strings.Fields(cmd.Text)
	word := ""
	if len(args) > 0 {
		word, args = strings.ToLower(args[0]), args[1:]
	}
	reply := func(text string) { a.respond(ctx, cmd.ResponseURL, text) }
	uid := cmd.UserID
	mgr, err := a.managerOf(ctx, e, uid)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", uid).Msg("cannot tell who typed a command")
		reply(textTryAgain)
		return
	}
	if adminCommands[word] {
		// Decide before reading the arguments: a refused command does
		// nothing at all.
		if !a.isAdmin(ctx, e, uid, mgr) {
			a.log.Info().Str("slack_user", uid).Str("command", word).Msg("admin command refused")
			reply(mrkdwnf("Sorry, `/nudge %s` is for L&amp;D admins, so I haven't done anything. If you need it, ask your L&amp;D team.", word))
			return
		}
		if word == "digest" {
			reply(a.digest(ctx, e, mgr))
			return
		}
		reply(a.admin(ctx, e, word, args))
		return
	}
	if mgr == "" {
		reply(textUnknown)
		return
	}
	switch word {
	case "", "help":
		reply(helpText(a.isAdmin(ctx, e, uid, mgr)))
	case "checkin", "check-in", "pledge":
		kind := nudges.KindCheckIn
		if word == "pledge" {
			kind = nudges.KindPledge
		}
		form, err := e.NewForm(mgr, kind)
		if err != nil {
			a.log.Error().Err(err).Str("manager", mgr).Msg("could not build a form")
			reply(textTryAgain)
			return
		}
		if err := a.openView(ctx, cmd.TriggerID, FormModal("", kind, form)); err != nil {
			a.log.Warn().Err(err).Str("manager", mgr).Msg("could not open a form")
			reply(mrkdwnf("Sorry, Slack didn't let me open the form in time. Please try `/nudge %s` again.", word))
		}
	case "snooze":
		reply(a.snoozeLatest(ctx, e, mgr, cmd))
	case "status":
		o, err := e.Overview(mgr)
		if err != nil {
			a.log.Error().Err(err).Str("manager", mgr).Msg("could not read a manager's week")
			reply(textTryAgain)
			return
		}
		reply(statusText(o))
	default:
		reply(mrkdwnf("I don't know `/nudge %s`.\n", word) + helpText(a.isAdmin(ctx, e, uid, mgr)))
	}
}

// snoozeLatest snoozes the manager's most recent open nudge.
func (a *Adapter) snoozeLatest(ctx context.Context, e *bot.Engine, mgr string, cmd slack.SlashCommand) string {
	o, err := e.Overview(mgr)
	if err != nil {
		a.log.Error().Err(err).Str("manager", mgr).Msg("could not read a manager's week")
		return textTryAgain
	}
	if len(o.Open) == 0 {
		return "Nothing is waiting for you, so there is nothing to snooze."
	}
	n := o.Open[0] // newest first
	// The trigger id is unique per invocation and the same on redelivery.
	id := "command:" + cmd.TriggerID
	if cmd.TriggerID == "" {
		id = "command:" + cmd.ResponseURL
	}
	res, err := e.HandleReply(ctx, bot.Reply{ID: id, Manager: mgr, Nudge: n.Nudge, Action: nudges.ActSnooze})
	var fe bot.FieldErrors
	switch {
	case errors.As(err, &fe):
		return escape(sentences(fe))
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Str("nudge_id", n.Nudge).Msg("could not snooze")
		return textTryAgain
	case res.Duplicate:
		return escape(res.Text)
	}
	a.redraw(ctx, e, mgr, n.Nudge, nudges.ActSnooze, "", res.Text, "", "")
	return mrkdwnf("%s: %s", n.Title, res.Text)
}

// admin runs an admin command and says what it did.
func (a *Adapter) admin(ctx context.Context, e *bot.Engine, word string, args []string) string {
	cfg := e.Config()
	switch word {
	case "send":
		if len(args) != 2 {
			return "Usage: `/nudge send <checkin|assignment|pledge|summary> @manager`"
		}
		kind := nudges.Kind(strings.ToLower(args[0]))
		if !kind.Valid() {
			return mrkdwnf("I can send %s nudges, not %q.", kindList(), args[0])
		}
		target, err := a.target(ctx, e, args[1])
		if err != nil {
			a.log.Error().Err(err).Msg("could not resolve the target of /nudge send")
			return textTryAgain
		}
		if target == "" {
			return mrkdwnf("I can't find %s on the roster.", args[1])
		}
		if _, err := e.SendNow(ctx, target, kind); err != nil {
			a.log.Error().Err(err).Str("manager", target).Msg("could not queue a nudge")
			return textTryAgain
		}
		a.log.Info().Str("manager", target).Str("kind", string(kind)).Msg("nudge sent on an admin's request")
		return mrkdwnf("Queued %s %s nudge for %s: it goes out in a moment.", article(string(kind)), kind, cfg.Manager(target).Name)
	case "pause", "resume":
		if len(args) != 1 {
			return mrkdwnf("Usage: `/nudge %s <program>` (programs: %s)", word, programList(e))
		}
		if cfg.Program(args[0]) == nil {
			return mrkdwnf("There is no program %q. Programs: %s.", args[0], programList(e))
		}
		if err := e.SetPaused(ctx, args[0], word == "pause"); err != nil {
			a.log.Error().Err(err).Str("program", args[0]).Msg("could not pause or resume a program")
			return textTryAgain
		}
		a.log.Info().Str("program", args[0]).Bool("paused", word == "pause").Msg("program paused or resumed by an admin")
		if word == "pause" {
			return mrkdwnf("Paused %s: no scheduled nudges go out until you resume it.", cfg.Program(args[0]).Name)
		}
		return mrkdwnf("Resumed %s: its scheduled nudges go out again.", cfg.Program(args[0]).Name)
	case "retry":
		n, err := e.RetryFailed(ctx)
		if err != nil {
			a.log.Error().Err(err).Msg("could not retry failed deliveries")
			return textTryAgain
		}
		if n == 0 {
			return "No nudge has failed: there is nothing to retry."
		}
		return mrkdwnf("Queued %d failed %s again: %s out in a moment, unless Slack says no again.", n, plural(n, "nudge", "nudges"), plural(n, "it goes", "they go"))
	case "reload":
		if a.opt.Reload == nil {
			return "Reloading from Slack is not enabled for this bot."
		}
		var restart *bot.RestartNeededError
		if err := a.opt.Reload(ctx); errors.As(err, &restart) {
			return mrkdwnf("Configuration reloaded, but %v.", err)
		} else if err != nil {
			return mrkdwnf("The reload failed and the previous configuration stays in force: %v", err)
		}
		return "Configuration reloaded."
	}
	return ""
}

// mention matches a user mention as Slack escapes it in command text.
var mention = regexp.MustCompile(`^<@([A-Z0-9]+)(?:\|[^>]*)?>$`)

// target finds the manager an admin named: a mention, a roster id, or an
// email address.
func (a *Adapter) target(ctx context.Context, e *bot.Engine, s string) (string, error) {
	if m := mention.FindStringSubmatch(s); m != nil {
		return a.managerOf(ctx, e, m[1])
	}
	cfg := e.Config()
	if cfg.Manager(s) != nil {
		return s, nil
	}
	if _, mail, ok := strings.Cut(strings.Trim(s, "<>"), "mailto:"); ok {
		s, _, _ = strings.Cut(mail, "|")
	}
	for _, m := range cfg.Managers {
		if m.Email != "" && strings.EqualFold(m.Email, s) {
			return m.ID, nil
		}
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

func helpText(admin bool) string {
	s := "*nudgebot* helps you coach your team through the learning rollout.\n" +
		"• `/nudge checkin` — log a check-in with someone on your team\n" +
		"• `/nudge pledge` — make this week's coaching pledge\n" +
		"• `/nudge snooze` — postpone your latest open nudge\n" +
		"• `/nudge status` — your week at a glance\n" +
		"Anything you write to me directly is kept as a note on your latest open nudge."
	if admin {
		s += "\n*For L&amp;D admins*\n" +
			"• `/nudge send <checkin|assignment|pledge|summary> @manager` — send a nudge now\n" +
			"• `/nudge pause <program>`, `/nudge resume <program>` — stop or restart a program's scheduled nudges\n" +
			"• `/nudge retry` — send failed nudges again (once what made them fail is fixed)\n" +
			"• `/nudge digest` — L&amp;D's digest of every program, to you now\n" +
			"• `/nudge reload` — re-read the configuration"
	}
	return s
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

// article is the indefinite article before word: "an assignment", "a
// checkin".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

func kindList() string {
	s := make([]string, len(nudges.Kinds))
	for i, k := range nudges.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func programList(e *bot.Engine) string {
	var s []string
	for _, p := range e.Config().Programs {
		s = append(s, p.ID)
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
