package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
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

// ambiguousCodes are the transient answers after which the message may
// have been posted all the same (Slack: "it's possible some aspect of the
// operation succeeded").
var ambiguousCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "request_timeout": true, "timeout": true,
}

// Send posts a message: a nudge as a direct message to its manager (with
// buttons), a summary or shout-out to a team channel (without). It returns
// "<channel>/<ts>", which names the message for later updates. Its error
// says what the attempt came to (see converse.Chat): a failure after the request
// went out, without a clear answer from Slack, is converse.Unknown.
func (a *Adapter) Send(ctx context.Context, to converse.Recipient, m nudges.Message) (string, error) {
	ref, err := a.send(ctx, to, m)
	if err != nil {
		return "", fmt.Errorf("send nudge %s to %s: %w", m.Nudge, to, err)
	}
	return ref, nil
}

func (a *Adapter) send(ctx context.Context, to converse.Recipient, m nudges.Message) (string, error) {
	e, err := a.bound()
	if err != nil {
		return "", err
	}
	addr, err := a.address(ctx, e, to)
	if err != nil {
		return "", deliveryError(err, false)
	}
	render := MessageBlocks
	if to.Channel != "" {
		render = SummaryBlocks
	}
	text, blocks := render(m)
	meta := slack.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{metadataKey: m.Nudge}}
	channel, ts, err := a.post(ctx, addr, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionMetadata(meta))
	if err != nil {
		return "", err
	}
	if to.Channel == "" {
		a.learnDM(ctx, e, addr, channel)
	}
	// A team summary's chart follows the summary, never precedes it: the
	// post above is the delivery, and the chart cannot fail it (see
	// postChart), so no retry of the delivery posts the summary twice.
	if to.Channel != "" && m.Chart != nil {
		a.postChart(ctx, channel, m.Nudge, *m.Chart)
	}
	return channel + "/" + ts, nil
}

// post sends a message to a channel (or a user's DM, by user id) at the
// pace Slack allows. Its error is already classified (deliveryError): it
// knows whether the request went out.
func (a *Adapter) post(ctx context.Context, channel string, opts ...slack.MsgOption) (ch, ts string, err error) {
	if err := a.pace.message(ctx, channel); err != nil {
		return "", "", deliveryError(err, false)
	}
	var wrote atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	})
	err = a.call(traced, "chat.postMessage", func(ctx context.Context) (err error) {
		ch, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return "", "", fmt.Errorf("chat.postMessage to %s: %w", channel, deliveryError(err, wrote.Load()))
	}
	if ch == "" {
		ch = channel
	}
	return ch, ts, nil
}

// Delivered looks through the recipient's conversation since since for
// messages carrying the nudges' ids (converse.Reconciler): one look answers for
// all of them. A manager with no DM with the bot (in a reading of the
// bot's DMs started after this call, see freshDM) was never posted to:
// none is found, and no history is read. A conversation the bot cannot
// read (a channel it posts to without being a member, a user who left)
// cannot answer: that counts as not found, and the nudges are sent again.
func (a *Adapter) Delivered(ctx context.Context, to converse.Recipient, nudges []string, since time.Time) (map[string]string, error) {
	asked := time.Now()
	e, err := a.bound()
	if err != nil {
		return nil, err
	}
	ch := to.Channel
	if ch == "" {
		var uid string
		var exists bool
		if uid, err = a.slackUser(ctx, e, to.Manager); err == nil {
			ch, exists, err = a.freshDM(ctx, e, uid, asked)
			var perm *converse.PermanentError
			if errors.As(err, &perm) {
				// An app installed before it asked for im:read: open the
				// conversation instead.
				ch, err = a.dm(ctx, e, uid)
				exists = err == nil
			}
		}
		if err == nil && !exists {
			return map[string]string{}, nil
		}
	}
	if err == nil {
		var found map[string]string
		found, err = a.findNudges(ctx, ch, nudges, since)
		if err == nil {
			return found, nil
		}
	}
	err = deliveryError(err, false)
	var perm *converse.PermanentError
	if errors.As(err, &perm) {
		a.log.Warn().Err(err).Strs("nudge_ids", nudges).Msg("cannot look up whether nudges were posted; they will be sent again")
		return nil, nil
	}
	return nil, fmt.Errorf("look up nudges for %s: %w", to, err)
}

// findNudges pages through a channel's history from since, newest first,
// until every nudge asked about is found or the history ends.
func (a *Adapter) findNudges(ctx context.Context, channel string, nudges []string, since time.Time) (map[string]string, error) {
	want := make(map[string]bool, len(nudges))
	for _, n := range nudges {
		want[n] = true
	}
	found := map[string]string{}
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
			return nil, fmt.Errorf("conversations.history of %s: %w", channel, err)
		}
		for _, m := range resp.Messages {
			if m.Metadata.EventType != metadataType {
				continue
			}
			if id := fmt.Sprint(m.Metadata.EventPayload[metadataKey]); want[id] {
				if _, dup := found[id]; !dup {
					found[id] = channel + "/" + m.Timestamp
				}
			}
		}
		if len(found) == len(want) || !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return found, nil
		}
		p.Cursor = resp.ResponseMetaData.NextCursor
	}
}

// deliveryError tells the engine what a failure means (see converse.Chat):
// wait (Slack's Retry-After), give up (a permanent Slack error, named by
// its code), unknown (the request went out and Slack's answer does not
// say it failed: a 5xx, an internal_error, a timeout or a cut connection),
// not sent (the bot stopped before the request went out), or retry with
// backoff (anything else that never reached Slack). wrote says whether the
// request was written to the connection.
func deliveryError(err error, wrote bool) error {
	if err == nil {
		return nil
	}
	var perm *converse.PermanentError
	var wait *converse.RetryAfterError
	var unknown *converse.UnknownError
	var notSent *converse.NotSentError
	if errors.As(err, &perm) || errors.As(err, &wait) || errors.As(err, &unknown) || errors.As(err, &notSent) {
		return err
	}
	if d, ok := retryAfter(err); ok {
		return &converse.RetryAfterError{After: d, Err: err}
	}
	if code := slackCode(err); code != "" {
		if !transientCodes[code] {
			return converse.Permanent(code, err)
		}
		if ambiguousCodes[code] {
			return converse.Unknown(err)
		}
		return err
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code >= 500 || sc.Code == http.StatusRequestTimeout:
			return converse.Unknown(err)
		case sc.Code >= 400:
			return converse.Permanent(fmt.Sprintf("http_%d", sc.Code), err)
		}
	}
	if wrote {
		return converse.Unknown(err)
	}
	if errors.Is(err, errStopping) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return converse.NotSent(err) // it never went out
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
