package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody bounds what the bot reads from a request before it knows the
// request is Slack's: Slack's payloads are a few kilobytes.
const maxBody = 1 << 20

type startKey struct{}

// Handler serves Slack's HTTP mode: the Events API (/slack/events, with
// its url_verification handshake), interactivity (/slack/interactions)
// and the slash command (/slack/commands). Mount it on the bot's HTTP
// server under /slack/. Every request is verified with the app's signing
// secret before anything else is done with it; one that fails gets 401
// and changes nothing.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/events", a.serveEvents)
	mux.HandleFunc("POST /slack/interactions", a.serveInteractions)
	mux.HandleFunc("POST /slack/commands", a.serveCommands)
	return a.verified(mux)
}

// verified passes on only requests signed with the signing secret within
// Slack's 5-minute window, with their body buffered for the handlers.
func (a *Adapter) verified(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Headers and timestamp first: a request without them is refused
		// before its body is read.
		sv, err := slack.NewSecretsVerifier(r.Header, a.opt.SigningSecret)
		if err != nil {
			a.unauthorized(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read the request body", http.StatusBadRequest)
			return
		}
		if _, err := sv.Write(body); err != nil {
			a.unauthorized(w, r, err)
			return
		}
		if err := sv.Ensure(); err != nil {
			a.unauthorized(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), startKey{}, start)))
	})
}

func (a *Adapter) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	a.refusals.Warn().Err(err).Str("path", r.URL.Path).Str("remote", r.RemoteAddr).Msg("Slack request refused: bad or missing signature")
	http.Error(w, "invalid Slack signature", http.StatusUnauthorized)
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // already buffered in memory
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		if !json.Valid(body) {
			http.Error(w, "malformed event", http.StatusBadRequest)
			return
		}
		// A well-formed event of a type slack-go does not know: acknowledge
		// it, or Slack retries it three times for nothing.
		w.WriteHeader(http.StatusOK)
		return
	}
	if ev.Type == slackevents.URLVerification {
		v, _ := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if v == nil {
			http.Error(w, "malformed url_verification", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]string{"challenge": v.Challenge})
		return
	}
	e := a.ready(w)
	if e == nil {
		return
	}
	a.reply(w, r, "event", a.event(e, ev))
}

func (a *Adapter) serveInteractions(w http.ResponseWriter, r *http.Request) {
	cb, err := slack.InteractionCallbackParse(r)
	if err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	e := a.ready(w)
	if e == nil {
		return
	}
	kind := "action"
	if cb.Type == slack.InteractionTypeViewSubmission {
		kind = "submission"
	}
	a.reply(w, r, kind, a.interaction(r.Context(), e, cb))
}

func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request) {
	cmd, err := slack.SlashCommandParse(r)
	if err != nil || cmd.Command == "" {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	e := a.ready(w)
	if e == nil {
		return
	}
	a.reply(w, r, "command", a.command(r.Context(), e, cmd))
}

// ready returns the bound engine, or answers 503 (Slack retries) when the
// adapter is not bound yet.
func (a *Adapter) ready(w http.ResponseWriter) Engine {
	e := a.engineOf()
	if e == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}
	return e
}

// reply writes the acknowledgement, then starts the work that follows it.
func (a *Adapter) reply(w http.ResponseWriter, r *http.Request, kind string, res ack) {
	j := a.prepare(res.then)
	if start, ok := r.Context().Value(startKey{}).(time.Time); ok {
		a.acked(kind, start)
	}
	if res.body != nil {
		writeJSON(w, res.body)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	// Send the acknowledgement on its way before the work it promises.
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	j.start()
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
