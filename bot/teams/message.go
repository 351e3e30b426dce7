package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Typed text. A message whose first word is a command of the conversation
// layer's grammar (converse.Parse on converse.Chatroom, the grammar of
// Slack's /nudge) runs that command; so does anything after a leading "/"
// or "/nudge", where a word that is no command is answered as one. Any
// other text is a note on the manager's latest open nudge, so a manager
// can write to the bot freely. "home" is Teams' name for status, whose
// answer here is the home card.

// textOnlyInChat answers a command typed where others read it.
const textOnlyInChat = "I answer commands only in your own chat with me, where nobody else reads the answer: open a chat with nudgebot and type it there."

// mention is an @-mention of the bot, which Teams puts in channel text.
var mention = regexp.MustCompile(`<at>[^<]*</at>`)

// mailto is an address Teams turned into a link in the message's text.
var mailto = regexp.MustCompile(`<a [^>]*href="mailto:([^"<>]+)"[^>]*>[^<]*</a>`)

// message handles typed text: a command, or else a note.
func (a *Adapter) message(ctx context.Context, w http.ResponseWriter, e Engine, act *Activity) {
	w.WriteHeader(http.StatusOK)
	txt := strings.TrimSpace(mention.ReplaceAllString(act.Text, ""))
	mgr, err := a.manager(ctx, e, act)
	if errors.Is(err, errStranger) {
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textStranger})
		return
	} else if err != nil {
		a.log.Warn().Err(err).Msg("teams: cannot tell who wrote")
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textTryAgain})
		return
	}
	if cmd, ok := commandText(txt); ok {
		// Teams delivers a slow message again: a command is done once.
		if first, err := e.FirstDelivery(ctx, converse.DeliveryID("teams-message", act.ID)); err != nil || !first {
			return
		}
		if !act.personal() {
			// An answer shows a manager's week, forms, names: not for
			// the others in a channel or group chat.
			a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textOnlyInChat})
			return
		}
		a.reply(ctx, act, a.command(ctx, e, act, mgr, cmd))
		return
	}
	res, err := e.HandleReply(ctx, converse.Reply{ID: converse.DeliveryID("teams-message", act.ID), Manager: mgr,
		Action: converse.ActNote, Fields: map[string]string{nudges.FieldNote: txt}})
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: "Please check: " + errsText(fe)})
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Msg("teams: could not store a note")
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: textTryAgain})
	case !res.Duplicate:
		a.reply(ctx, act, &Activity{Type: TypeMessage, Text: res.Text})
	}
}

// commandText reads typed text as a command (the words after an optional
// "/" or "/nudge"), or reports that it is a note.
func commandText(txt string) (string, bool) {
	explicit := strings.HasPrefix(txt, "/")
	if explicit {
		txt = strings.TrimPrefix(txt, "/")
		if w := strings.Fields(txt); len(w) > 0 && strings.EqualFold(w[0], "nudge") {
			txt = strings.TrimSpace(txt[len(w[0]):])
		}
	}
	txt = strings.TrimSpace(mailto.ReplaceAllString(txt, "$1"))
	if w := strings.Fields(txt); len(w) == 1 && strings.EqualFold(w[0], "home") {
		txt = string(converse.CmdStatus)
	}
	var unknown *converse.UnknownCommandError
	if _, err := converse.Parse(converse.Chatroom, txt); !explicit && errors.As(err, &unknown) {
		return "", false
	}
	return txt, true
}

// command runs a text command through the conversation layer and returns
// the answer to post.
func (a *Adapter) command(ctx context.Context, e Engine, act *Activity, mgr, txt string) *Activity {
	say := func(s string) *Activity { return &Activity{Type: TypeMessage, Text: s} }
	c, who, err := converse.Interpret(converse.Chatroom, txt, mgr, func() bool { return converse.Admin(e.Config(), mgr) })
	var usage *converse.UsageError
	var unknown *converse.UnknownCommandError
	switch {
	case errors.Is(err, converse.ErrAdminOnly):
		a.log.Info().Str("manager", mgr).Str("command", string(c.Name)).Msg("teams: admin command refused")
		return say(fmt.Sprintf("Sorry, `%s` is for L&D admins, so I haven't done anything. If you need it, ask your L&D team.", c.Name))
	case errors.Is(err, converse.ErrNotOnRoster):
		return say(textStranger)
	case errors.As(err, &usage):
		return say(fmt.Sprintf("Usage: `%s`", usage.Spec.Usage(converse.Chatroom)))
	case errors.As(err, &unknown):
		return say(fmt.Sprintf("I don't know `%s`.\n\n", unknown.Word) + HelpText(who.Admin))
	case err != nil, c.Name == converse.CmdHelp:
		return say(HelpText(who.Admin))
	}
	x := converse.Executor{Engine: e, Surface: converse.Chatroom, Reload: a.opt.Reload}
	ans, err := x.Run(ctx, converse.Request{Caller: who, Command: c, Delivery: converse.DeliveryID("teams-message", act.ID)})
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		return say("Please check: " + errsText(fe))
	case errors.Is(err, converse.ErrUnknownNudge):
		return say(textGone)
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Str("command", string(c.Name)).Msg("teams: command failed")
		return say(textTryAgain)
	}
	return a.show(ctx, e, act, mgr, c, ans)
}

// show renders what a command did: the form it opens, the week it shows,
// the outbox, or its text; an answer to a nudge also redraws the nudge's
// card in place.
func (a *Adapter) show(ctx context.Context, e Engine, act *Activity, mgr string, c converse.Command, ans converse.Answer) *Activity {
	switch {
	case ans.Form != "":
		m, err := a.formOf(e, mgr, ans.Form, ans.Nudge)
		if err != nil {
			a.log.Error().Err(err).Str("manager", mgr).Msg("teams: could not build a form")
			return &Activity{Type: TypeMessage, Text: textTryAgain}
		}
		return cardActivity(CardOf(m, nil, nil), m.Fallback)
	case ans.Overview != nil:
		return homeActivity(*ans.Overview)
	case ans.Counts != nil:
		var b strings.Builder
		b.WriteString("**Outbox**\n")
		for _, n := range ans.Counts {
			fmt.Fprintf(&b, "\n- %s: %d", n.State, n.N)
		}
		return &Activity{Type: TypeMessage, Text: b.String()}
	case ans.Result != nil && ans.Done && ans.Nudge != "":
		a.redraw(ctx, e, act, mgr, ans.Nudge, ans.Act, ans.Text)
		if ans.Title != "" {
			return &Activity{Type: TypeMessage, Text: ans.Title + ": " + ans.Text}
		}
	case c.Admin() && ans.Done:
		a.log.Info().Str("command", string(c.Name)).Msg("teams: admin command done")
	}
	return &Activity{Type: TypeMessage, Text: ans.Text}
}

// formOf is the form a command opens: the nudge's, when it names one
// (never on Teams, where messages are not numbered), else a new one.
func (a *Adapter) formOf(e Engine, mgr string, kind nudges.Kind, nudge string) (nudges.Message, error) {
	if nudge == "" {
		return a.standaloneForm(e, mgr, kind)
	}
	n, err := e.Show(mgr, nudge)
	return n.Message, err
}

// redraw updates a nudge's card where it was posted, after the nudge was
// answered by a typed command, so the card no longer offers what is done.
// A card that cannot be updated stays as it is: the answer is stored.
func (a *Adapter) redraw(ctx context.Context, e Engine, act *Activity, mgr, nudge, what, text string) {
	n, err := e.Show(mgr, nudge)
	conv, id, ok := strings.Cut(n.Ref, "|")
	if err != nil || !ok || conv == "" || id == "" {
		return
	}
	up := cardActivity(answered(e, mgr, nudge, what, text), "")
	if err := a.retry(ctx, func() error { return a.client.UpdateActivity(ctx, act.ServiceURL, conv, id, up) }); err != nil {
		a.log.Warn().Err(err).Msg("teams: could not update a card")
	}
}

// HelpText is the conversation layer's grammar (converse.Specs) as Teams
// shows it, in Teams' markdown; admin adds L&D's commands.
func HelpText(admin bool) string {
	var b strings.Builder
	b.WriteString("**nudgebot** helps you coach your team through the learning rollout. Type:\n")
	for _, s := range converse.Specs(converse.Chatroom, false) {
		switch s.Name {
		case converse.CmdHelp:
		case converse.CmdStatus:
			fmt.Fprintf(&b, "\n- `home` or `status` — %s", s.About)
		default:
			fmt.Fprintf(&b, "\n- `%s` — %s", s.Usage(converse.Chatroom), s.About)
		}
	}
	b.WriteString("\n\nAnything else you write to me is kept as a note on your latest open nudge.")
	if admin {
		b.WriteString("\n\n**For L&D admins**\n")
		for _, s := range converse.Specs(converse.Chatroom, true) {
			if s.Admin {
				fmt.Fprintf(&b, "\n- `%s` — %s", s.Usage(converse.Chatroom), s.About)
			}
		}
	}
	return b.String()
}

// homeActivity is the manager's week as a card.
func homeActivity(o nudges.Overview) *Activity {
	body := []any{text("Your week", "size", "Large", "weight", "Bolder", "style", "heading")}
	if o.Context != "" {
		body = append(body, text(o.Context, "isSubtle", true, "spacing", "None"))
	}
	if len(o.Open) == 0 {
		body = append(body, text("Nothing waiting for you. Nice work."))
	}
	for _, n := range o.Open {
		body = append(body, text("• "+n.Title))
	}
	if o.Pledge != "" {
		body = append(body, text(fmt.Sprintf("This week's pledge: %s", o.Pledge)))
	}
	for _, p := range o.Teams {
		body = append(body, text(progressLine(p)))
	}
	c := Card{"type": "AdaptiveCard", "version": CardVersion, "body": body,
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json"}
	return cardActivity(c, "Your week")
}

// home is the manager's week, for the chat being opened.
func (a *Adapter) home(e Engine, mgr string) *Activity {
	o, err := e.Overview(mgr)
	if err != nil {
		return &Activity{Type: TypeMessage, Text: textTryAgain}
	}
	return homeActivity(o)
}
