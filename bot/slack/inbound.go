package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// This file turns what Slack hands the bot (button clicks, modal
// submissions, direct messages, the Home tab opening) into engine calls,
// whichever transport brought it: socket.go and http.go parse the payloads
// and call these functions.
//
// Slack wants every payload acknowledged within 3 seconds, and retries
// (redelivers) when the acknowledgement is late. So each handler returns
// an ack: the body of the acknowledgement, which only a modal submission
// needs (its validation errors ride in it), and the work that can wait
// until Slack has the acknowledgement. Every write to the engine carries
// an id derived from the payload, so a redelivered payload is stored once.

// ack is how the adapter answers one inbound payload.
type ack struct {
	body any                       // the acknowledgement's payload; nil for an empty one
	then func(ctx context.Context) // work to do once Slack has the acknowledgement
}

// submitBudget bounds the work done before a modal submission is
// acknowledged, safely inside Slack's 3 seconds.
const submitBudget = 2500 * time.Millisecond

// What the bot says when things go wrong. A person reads these: they say
// what happened and what to do, never an internal error.
const (
	textUnknown = "Hi! I don't know you yet: your Slack account isn't on nudgebot's roster, so there is nothing for me to record. " +
		"If you lead a team in a learning rollout, ask the people running it to add you with the email address you use in Slack."
	textTryAgain = "Sorry, I couldn't save that just now. Nothing was recorded; please try again in a minute."
	textGone     = "I can't find that nudge any more, so nothing was recorded."
	textAnswered = "You have already answered this nudge. Thanks!"
	textNoForm   = "This nudge has nothing to fill in."
	textFormLate = "Sorry, Slack didn't let me open the form in time. Please click the button again."
	textCantRead = "Sorry, I couldn't read this form. Nothing was recorded: please close it and start again."
)

const channelTypeIM = "im"

// interaction handles a block_actions or view_submission payload.
func (a *Adapter) interaction(ctx context.Context, e Engine, cb slack.InteractionCallback) ack {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return a.blockActions(ctx, e, cb)
	case slack.InteractionTypeViewSubmission:
		return a.submission(ctx, e, cb)
	}
	return ack{}
}

// storeBudget bounds the work done before acknowledging a click: storing
// the reply takes a few milliseconds; Slack redelivers after 3 seconds.
const storeBudget = 2 * time.Second

// blockActions handles button clicks in a nudge or on the Home tab. A click
// that records something (snooze, a rating, an outcome) is stored durably
// before the acknowledgement, so an acknowledged click is never lost; what
// only shows something (redrawing the message, opening a form, which must
// follow the acknowledgement within the trigger's 3 seconds) comes after.
func (a *Adapter) blockActions(ctx context.Context, e Engine, cb slack.InteractionCallback) ack {
	var then []func(ctx context.Context)
	for _, act := range cb.ActionCallback.BlockActions {
		nudge, what, arg, ok := ParseAction(act.ActionID, act.Value)
		if !ok {
			continue // not a button this adapter rendered
		}
		switch what {
		case nudges.ActLog, nudges.ActSkip:
			then = append(then, func(ctx context.Context) {
				if mgr := a.clicker(ctx, e, cb); mgr != "" {
					a.openForm(ctx, e, cb, mgr, nudge, what == nudges.ActSkip)
				}
			})
		case nudges.ActSnooze, nudges.ActUseful, nudges.ActNotUseful, nudges.ActOutcome, nudges.ActHold:
			sctx, cancel := context.WithTimeout(ctx, storeBudget)
			then = append(then, a.record(sctx, e, cb, nudge, what, arg))
			cancel()
		default:
			a.log.Warn().Str("act", what).Msg("button with an unknown act ignored")
		}
	}
	if len(then) == 0 {
		return ack{}
	}
	return ack{then: func(ctx context.Context) {
		for _, f := range then {
			if f != nil {
				f(ctx)
			}
		}
	}}
}

// clicker is the roster manager who clicked, or "" after telling them why
// nothing happens.
func (a *Adapter) clicker(ctx context.Context, e Engine, cb slack.InteractionCallback) string {
	uid, channel := cb.User.ID, cb.Container.ChannelID
	mgr, err := a.managerOf(ctx, e, uid)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", uid).Msg("cannot tell who clicked")
		a.tell(ctx, e, channel, uid, textTryAgain)
		return ""
	}
	if mgr == "" {
		a.tell(ctx, e, channel, uid, textUnknown)
	}
	return mgr
}

// record stores a click's reply now and returns what to show afterwards.
// The reply is keyed on what was answered (ReplyKey), never on the
// message or the button's place in it: a redrawn message moves buttons.
func (a *Adapter) record(ctx context.Context, e Engine, cb slack.InteractionCallback, nudge, what, arg string) func(context.Context) {
	uid, channel := cb.User.ID, cb.Container.ChannelID
	mgr, err := a.managerOf(ctx, e, uid)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", uid).Msg("cannot tell who clicked")
		return func(ctx context.Context) { a.tell(ctx, e, channel, uid, textTryAgain) }
	}
	if mgr == "" {
		return func(ctx context.Context) { a.tell(ctx, e, channel, uid, textUnknown) }
	}
	r := converse.Reply{ID: ReplyKey(nudge, what, arg), Manager: mgr, Nudge: nudge, Action: what}
	if what == nudges.ActHold {
		r.Fields = map[string]string{nudges.FieldHold: arg}
	}
	if what == nudges.ActOutcome {
		learner, outcome, _ := strings.Cut(arg, "|")
		r.Fields = map[string]string{nudges.FieldLearner: learner, nudges.FieldOutcome: outcome}
	}
	res, err := e.HandleReply(ctx, r)
	if err != nil {
		return func(ctx context.Context) { a.replyFailed(ctx, e, channel, uid, err) }
	}
	if res.Duplicate {
		return nil // a double click or a redelivery: the first one already answered
	}
	ref := ""
	if channel != "" && cb.Container.MessageTs != "" {
		ref = channel + "/" + cb.Container.MessageTs
	}
	header, hook := headerText(cb.Message), ""
	if a.usableHook(cb.ResponseURL) {
		hook = cb.ResponseURL
	}
	return func(ctx context.Context) { a.redraw(ctx, e, mgr, nudge, what, ref, res.Text, header, hook) }
}

// openForm opens the form of a nudge (or, for skip, the reason modal). The
// trigger_id it uses expires 3 seconds after the click: this runs right
// after the acknowledgement, before anything slow.
func (a *Adapter) openForm(ctx context.Context, e Engine, cb slack.InteractionCallback, mgr, nudge string, skip bool) {
	uid, channel := cb.User.ID, cb.Container.ChannelID
	n, err := e.Show(mgr, nudge)
	if err != nil {
		a.log.Warn().Err(err).Str("manager", mgr).Str("nudge_id", nudge).Msg("form for a nudge that no longer composes")
		a.tell(ctx, e, channel, uid, textGone)
		return
	}
	if n.Closed { // a snoozed nudge is not: it comes back
		a.tell(ctx, e, channel, uid, textAnswered)
		return
	}
	var view slack.ModalViewRequest
	switch {
	case skip:
		view = SkipModal(nudge, n.Kind)
	case n.Message.Form != nil:
		view = FormModal(nudge, n.Kind, n.Message.Form)
	default:
		a.tell(ctx, e, channel, uid, textNoForm)
		return
	}
	if err := a.openView(ctx, cb.TriggerID, view); err != nil {
		a.log.Warn().Err(err).Str("manager", mgr).Str("nudge_id", nudge).Msg("could not open a form")
		a.tell(ctx, e, channel, uid, textFormLate)
	}
}

func (a *Adapter) openView(ctx context.Context, trigger string, view slack.ModalViewRequest) error {
	return a.call(ctx, "views.open", func(ctx context.Context) error {
		_, err := a.api.OpenViewContext(ctx, trigger, view)
		return err
	})
}

// redraw asks for a nudge's message to be updated after an answer (see
// update.go). ref names the message (the item's own ref when empty);
// title stands in for the header when the nudge no longer composes
// (every learner has now applied); hook is the click's response_url, or "".
func (a *Adapter) redraw(_ context.Context, e Engine, mgr, nudge, act, ref, note, title, hook string) {
	if ref == "" {
		n, _ := e.Show(mgr, nudge)
		ref = n.Ref
	}
	ch, ts, ok := splitRef(ref)
	if !ok {
		return // not posted through Slack (yet): nothing to redraw
	}
	a.updates.put(ch, ts, &redrawing{e: e, mgr: mgr, nudge: nudge, act: act, note: note, title: title, hook: hook})
}

// headerText is the title of a message as posted, from its header block.
func headerText(m slack.Message) string {
	for _, b := range m.Blocks.BlockSet {
		if h, ok := b.(*slack.HeaderBlock); ok && h.Text != nil {
			return h.Text.Text
		}
	}
	return ""
}

// replyFailed tells the manager why a click recorded nothing.
func (a *Adapter) replyFailed(ctx context.Context, e Engine, channel, uid string, err error) {
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		a.tell(ctx, e, channel, uid, escape(sentences(fe)))
	case errors.Is(err, converse.ErrUnknownNudge):
		a.tell(ctx, e, channel, uid, textGone)
	default:
		a.log.Error().Err(err).Str("slack_user", uid).Msg("could not record an answer")
		a.tell(ctx, e, channel, uid, textTryAgain)
	}
}

// tell answers one user privately: an ephemeral message where they clicked,
// or a direct message when there is no channel (the Home tab).
func (a *Adapter) tell(ctx context.Context, e Engine, channel, uid, text string) {
	if channel == "" {
		a.tellDM(ctx, e, uid, text)
		return
	}
	err := a.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, uid, slack.MsgOptionText(text, false))
		return err
	})
	if err != nil {
		a.log.Warn().Err(err).Str("slack_user", uid).Msg("could not answer a user")
	}
}

// tellDM writes to a user in their direct messages with the bot.
func (a *Adapter) tellDM(ctx context.Context, e Engine, uid, text string) {
	ch, err := a.dm(ctx, e, uid)
	if err == nil {
		_, _, err = a.post(ctx, ch, slack.MsgOptionText(text, false))
	}
	if err != nil {
		a.log.Warn().Err(err).Str("slack_user", uid).Msg("could not write to a user")
	}
}

// event handles an Events API event: direct messages and the Home tab.
func (a *Adapter) event(e Engine, ev slackevents.EventsAPIEvent) ack {
	eventID := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	switch in := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		if !isNote(in) {
			return ack{}
		}
		return ack{then: func(ctx context.Context) { a.note(ctx, e, eventID, in) }}
	case *slackevents.AppHomeOpenedEvent:
		if in.Tab != "home" {
			return ack{}
		}
		return ack{then: func(ctx context.Context) { a.home(ctx, e, in.User) }}
	}
	return ack{}
}

// isNote reports whether a message event is a person writing to the bot
// in their direct messages. Bot messages (the bot's own included), edits,
// deletions and other subtypes are not notes.
func isNote(m *slackevents.MessageEvent) bool {
	return m.ChannelType == channelTypeIM && m.SubType == "" && m.BotID == "" && m.User != "" && !blank(m.Text)
}

// note stores what a manager wrote to the bot as a note on their latest
// nudge, once per event however often Slack delivers it.
func (a *Adapter) note(ctx context.Context, e Engine, eventID string, m *slackevents.MessageEvent) {
	say := func(text string) {
		if _, _, err := a.post(ctx, m.Channel, slack.MsgOptionText(text, false)); err != nil {
			a.log.Warn().Err(err).Str("slack_user", m.User).Msg("could not answer a direct message")
		}
	}
	mgr, err := a.managerOf(ctx, e, m.User)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", m.User).Msg("cannot tell who wrote")
		say(textTryAgain)
		return
	}
	if mgr == "" {
		say(textUnknown)
		return
	}
	text := strings.TrimSpace(m.Text)
	if strings.EqualFold(text, "help") {
		say(helpText(false))
		return
	}
	id := converse.DeliveryID("event", eventID)
	if eventID == "" {
		id = converse.DeliveryID("message", m.Channel+":"+m.TimeStamp)
	}
	res, err := e.HandleReply(ctx, converse.Reply{ID: id, Manager: mgr, Action: converse.ActNote, Fields: map[string]string{nudges.FieldNote: text}})
	var fe converse.FieldErrors
	switch {
	case errors.As(err, &fe):
		say(escape(sentences(fe)))
	case err != nil:
		a.log.Error().Err(err).Str("manager", mgr).Msg("could not record a note")
		say(textTryAgain)
	case !res.Duplicate:
		say(escape(res.Text))
	}
}

// home publishes the manager's week on the App Home tab.
func (a *Adapter) home(ctx context.Context, e Engine, uid string) {
	mgr, err := a.managerOf(ctx, e, uid)
	if err != nil {
		a.log.Error().Err(err).Str("slack_user", uid).Msg("cannot tell whose Home tab opened")
		return
	}
	view := strangerHome()
	if mgr != "" {
		o, err := e.Overview(mgr)
		if err != nil {
			a.log.Error().Err(err).Str("manager", mgr).Msg("could not read a manager's week")
			return
		}
		view = HomeView(o)
	}
	err = a.call(ctx, "views.publish", func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: uid, View: view})
		return err
	})
	if err != nil {
		a.log.Warn().Err(err).Str("slack_user", uid).Msg("could not publish the Home tab")
	}
}

// strangerHome is the Home tab of someone not on the roster.
func strangerHome() slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: HomeCallbackID, Blocks: slack.Blocks{BlockSet: []slack.Block{
		header(blockTitle, "nudgebot"),
		section("stranger", escape(textUnknown)),
	}}}
}

// mrkdwnf is fmt.Sprintf with its text arguments escaped for mrkdwn, so
// a name or an error message cannot turn into a link or a mention.
func mrkdwnf(format string, args ...any) string {
	for i, v := range args {
		switch v := v.(type) {
		case string:
			args[i] = escape(v)
		case error:
			args[i] = escape(v.Error())
		case fmt.Stringer:
			args[i] = escape(v.String())
		}
	}
	return fmt.Sprintf(format, args...)
}
