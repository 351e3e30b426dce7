package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// fatalConnect are answers to apps.connections.open that no reconnect can
// fix: the app-level token is wrong, revoked, or not an app-level token.
var fatalConnect = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "not_allowed_token_type": true, "missing_scope": true,
}

// Reconnect backoff when slack-go's client gives up on a connection.
const (
	reconnectMin = time.Second
	reconnectMax = time.Minute
)

// runSocket holds a Socket Mode connection until ctx ends or Slack refuses
// the app-level token. slack-go reconnects by itself when Slack asks it to
// or a ping is missed; keepConnected restarts it when it gives up
// otherwise.
func (a *Adapter) runSocket(ctx context.Context) error {
	client := socketmode.New(a.api, socketmode.OptionPingInterval(a.pingInterval))
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() { errc <- a.keepConnected(ctx, client) })
	err := a.serveSocket(ctx, client, errc)
	cancel()
	wg.Wait()
	return err
}

// serveSocket reads the client's events. It must keep reading: slack-go
// delivers pings and acknowledgements through the same machinery, and a
// stalled reader gets the connection recycled.
func (a *Adapter) serveSocket(ctx context.Context, client *socketmode.Client, errc <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case evt := <-client.Events:
			if err := a.onSocketEvent(ctx, client, evt); err != nil {
				return err
			}
		}
	}
}

// keepConnected runs the client, restarting it with backoff after
// transient failures; it returns nil when ctx ends and an error when Slack
// refuses the token.
func (a *Adapter) keepConnected(ctx context.Context, client *socketmode.Client) error {
	wait := reconnectMin
	for {
		err := client.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if code := connectFailure(err); code != "" {
			return fatalSocket(code)
		}
		d := jitter(wait) // bots restarted together must not reconnect in step
		a.log.Warn().Err(err).Dur("retry_in", d).Msg("Socket Mode connection failed; reconnecting")
		if sleep(ctx, d) != nil {
			return nil
		}
		wait = min(wait*2, reconnectMax)
	}
}

// connectFailure is the code of a fatal connection error, or "".
func connectFailure(err error) string {
	if err == nil {
		return ""
	}
	if code := slackCode(err); fatalConnect[code] {
		return code
	}
	if fatalConnect[err.Error()] { // slack-go compares these by text too
		return err.Error()
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusNotFound {
		return "http_404"
	}
	return ""
}

func fatalSocket(code string) error {
	return fmt.Errorf("slack: Socket Mode refused (%s): check the app-level token (xapp-…, scope connections:write) and that Socket Mode is enabled for the app", code)
}

// onSocketEvent handles one event of the client: connection news, and the
// envelopes Slack sends (events, interactions, commands).
func (a *Adapter) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info().Msg("Socket Mode connected")
		a.connection(nil)
	case socketmode.EventTypeDisconnect:
		a.connection(errors.New("Socket Mode disconnected"))
	case socketmode.EventTypeConnectionError:
		a.connection(errors.New("Socket Mode connection failed"))
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			// slack-go retries every error but a few by itself, forever;
			// an app-level token of the wrong kind would loop silently.
			if code := connectFailure(ce.ErrorObj); code != "" {
				return fatalSocket(code)
			}
			a.log.Warn().Err(ce.ErrorObj).Int("attempt", ce.Attempt).Msg("Socket Mode connection attempt failed")
		}
	case socketmode.EventTypeErrorWriteFailed:
		// An acknowledgement was lost: Slack will redeliver the envelope,
		// and the ids the engine dedupes on make that harmless.
		if wf, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok {
			a.log.Warn().Err(wf.Cause).Msg("could not write a Socket Mode acknowledgement")
		}
	case socketmode.EventTypeInvalidAuth:
		return fatalSocket("invalid_auth")
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go could not parse (an event type it does not
		// know). Acknowledge it anyway, or Slack redelivers it for nothing.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var req socketmode.Request
			if json.Unmarshal(bad.Message, &req) == nil && req.EnvelopeID != "" {
				a.ackSocket(ctx, client, req, nil)
			}
			a.log.Debug().Err(bad.Cause).Msg("unparsed Socket Mode envelope acknowledged")
		}
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand:
		a.onEnvelope(ctx, client, evt)
	}
	return nil
}

// onEnvelope acknowledges an envelope, then hands the work it calls for
// to a worker. Only a modal submission is handled before its
// acknowledgement, because its validation errors ride in it.
func (a *Adapter) onEnvelope(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	start := time.Now()
	if evt.Request == nil {
		return
	}
	e := a.engineOf()
	if e == nil { // cannot happen through Run, which binds first
		a.ackSocket(ctx, client, *evt.Request, nil)
		return
	}
	var res ack
	kind := "event"
	switch data := evt.Data.(type) {
	case slackevents.EventsAPIEvent:
		res = a.event(e, data)
	case slack.InteractionCallback:
		kind = "action"
		if data.Type == slack.InteractionTypeViewSubmission {
			kind = "submission"
		}
		res = a.interaction(ctx, e, data)
	case slack.SlashCommand:
		kind = "command"
		res = a.command(ctx, e, data)
	}
	j := a.prepare(res.then)
	a.ackSocket(ctx, client, *evt.Request, res.body)
	a.acked(kind, start)
	j.start()
}

// ackSocket acknowledges an envelope. It gives up when ctx ends: while the
// connection is down nothing drains slack-go's queue of responses, and a
// blocked acknowledgement must not hold up shutdown.
func (a *Adapter) ackSocket(ctx context.Context, client *socketmode.Client, req socketmode.Request, body any) {
	if err := client.AckCtx(ctx, req.EnvelopeID, body); err != nil && ctx.Err() == nil {
		a.log.Warn().Err(err).Msg("could not acknowledge a Socket Mode envelope")
	}
}

// connection reports the connection's state to Options.OnConnection.
func (a *Adapter) connection(err error) {
	if a.opt.OnConnection != nil {
		a.opt.OnConnection(err)
	}
}
