package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/nudges"
)

// Every message the bot posts for a nudge carries the nudge id in Slack's
// message metadata. After a crash between posting and recording the post,
// Delivered finds it again with conversations.history, so the nudge is not
// sent twice.
const (
	metadataType = "nudgebot_nudge"
	metadataKey  = "nudge_id"
)

// transientCodes are ok:false answers worth retrying. Every other code
// means the request itself is wrong (an unknown channel, a user who left,
// a rejected payload) and retrying cannot fix it.
var transientCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "timeout": true, "team_added_to_org": true,
}

// Send posts a message: a nudge as a direct message to its manager (with
// buttons), a summary or shout-out to a team channel (without). It returns
// "<channel>/<ts>", which names the message for later updates.
func (a *Adapter) Send(ctx context.Context, to bot.Recipient, m nudges.Message) (string, error) {
	ref, err := a.send(ctx, to, m)
	if err != nil {
		return "", fmt.Errorf("send nudge %s to %s: %w", m.Nudge, to, deliveryError(err))
	}
	return ref, nil
}

func (a *Adapter) send(ctx context.Context, to bot.Recipient, m nudges.Message) (string, error) {
	e, err := a.bound()
	if err != nil {
		return "", err
	}
	ch, err := a.destination(ctx, e, to)
	if err != nil {
		return "", err
	}
	render := MessageBlocks
	if to.Channel != "" {
		render = SummaryBlocks
	}
	text, blocks := render(m)
	meta := slack.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{metadataKey: m.Nudge}}
	channel, ts, err := a.post(ctx, ch, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionMetadata(meta))
	if err != nil {
		return "", err
	}
	// A team summary's chart follows the summary, never precedes it: the
	// post above is the delivery, and the chart cannot fail it (see
	// postChart), so no retry of the delivery posts the summary twice.
	if to.Channel != "" && m.Chart != nil {
		a.postChart(ctx, channel, m.Nudge, *m.Chart)
	}
	return channel + "/" + ts, nil
}

// post sends a message to a channel at the pace Slack allows.
func (a *Adapter) post(ctx context.Context, channel string, opts ...slack.MsgOption) (ch, ts string, err error) {
	if err := a.pace.message(ctx, channel); err != nil {
		return "", "", err
	}
	err = a.call(ctx, "chat.postMessage", func(ctx context.Context) (err error) {
		ch, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return "", "", fmt.Errorf("chat.postMessage to %s: %w", channel, err)
	}
	if ch == "" {
		ch = channel
	}
	return ch, ts, nil
}

// Delivered looks through the recipient's conversation since since for a
// message carrying the nudge's id. A conversation the bot cannot read (a
// channel it posts to without being a member, a user who left) cannot
// answer: that counts as not found, and the nudge is sent again.
func (a *Adapter) Delivered(ctx context.Context, to bot.Recipient, nudge string, since time.Time) (string, bool, error) {
	e, err := a.bound()
	if err != nil {
		return "", false, err
	}
	ch, err := a.destination(ctx, e, to)
	if err == nil {
		var ref string
		ref, err = a.findNudge(ctx, ch, nudge, since)
		if err == nil {
			return ref, ref != "", nil
		}
	}
	var perm *bot.PermanentError
	if errors.As(deliveryError(err), &perm) {
		a.log.Warn().Err(err).Str("nudge_id", nudge).Msg("cannot look up whether a nudge was posted; it will be sent again")
		return "", false, nil
	}
	return "", false, fmt.Errorf("look up nudge %s for %s: %w", nudge, to, err)
}

// findNudge pages through a channel's history from since, newest first.
func (a *Adapter) findNudge(ctx context.Context, channel, nudge string, since time.Time) (string, error) {
	p := &slack.GetConversationHistoryParameters{
		ChannelID: channel, Oldest: slackTS(since), Inclusive: true, Limit: 200, IncludeAllMetadata: true,
	}
	for {
		var resp *slack.GetConversationHistoryResponse
		err := a.call(ctx, "conversations.history", func(ctx context.Context) (err error) {
			resp, err = a.api.GetConversationHistoryContext(ctx, p)
			return err
		})
		if err != nil {
			return "", fmt.Errorf("conversations.history of %s: %w", channel, err)
		}
		for _, m := range resp.Messages {
			if m.Metadata.EventType == metadataType && fmt.Sprint(m.Metadata.EventPayload[metadataKey]) == nudge {
				return channel + "/" + m.Timestamp, nil
			}
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return "", nil
		}
		p.Cursor = resp.ResponseMetaData.NextCursor
	}
}

// deliveryError tells the engine what a failure means: wait (Slack's
// Retry-After), give up (a permanent Slack error, named by its code), or
// retry with backoff (5xx, network, anything unknown).
func deliveryError(err error) error {
	if err == nil {
		return nil
	}
	var perm *bot.PermanentError
	var wait *bot.RetryAfterError
	if errors.As(err, &perm) || errors.As(err, &wait) {
		return err
	}
	if d, ok := retryAfter(err); ok {
		return &bot.RetryAfterError{After: d, Err: err}
	}
	if code := slackCode(err); code != "" && !transientCodes[code] {
		return bot.Permanent(code, err)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code >= 400 && sc.Code < 500 && sc.Code != http.StatusRequestTimeout {
		return bot.Permanent(fmt.Sprintf("http_%d", sc.Code), err)
	}
	return err
}

// slackTS renders t as a Slack timestamp ("1780000000.000000").
func slackTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// splitRef reads back a ref made by Send.
func splitRef(ref string) (channel, ts string, ok bool) {
	channel, ts, ok = strings.Cut(ref, "/")
	return channel, ts, ok && channel != "" && ts != ""
}
