package teams

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nudgebot/nudgebot/config"
)

// Handler serves the messaging endpoint (POST /api/messages). Every
// request is authenticated before its body is read; a refused one changes
// nothing.
func (a *Adapter) Handler() http.Handler { return http.HandlerFunc(a.serve) }

// inboundBudget bounds the work of one activity: Teams gives up on an
// invoke after about 15 seconds.
const inboundBudget = 10 * time.Second

func (a *Adapter) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), inboundBudget)
	defer cancel()
	var tok *token
	if !a.opt.SkipAuth {
		var err error
		if tok, err = a.auth.Token(ctx, r.Header.Get("Authorization")); err != nil {
			a.refuse(w, err)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	act, err := ParseActivity(body)
	if err != nil {
		http.Error(w, "malformed activity", http.StatusBadRequest)
		return
	}
	if tok != nil {
		if err := tok.Authorize(act); err != nil {
			a.refuse(w, err)
			return
		}
	} else if !loopbackURL(act.ServiceURL) {
		// Unauthenticated, an activity could send the bot's replies (and
		// its token, when it has a secret) anywhere: only a local client.
		a.refuse(w, forbidden("development mode answers only a service URL on loopback"))
		return
	}
	e := a.eng()
	if e == nil {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	a.client.Trust(act.ServiceURL)
	switch {
	case act.Type == TypeInvoke && act.Name == InvokeCardAction:
		a.invoke(ctx, w, e, act)
	case act.Type == TypeMessage && len(act.Value) > 0 && string(act.Value) != "null":
		a.submit(ctx, w, e, act)
	case act.Type == TypeMessage:
		a.message(ctx, w, e, act)
	case act.Type == TypeConversationUpdate || act.Type == TypeInstallationUpdate:
		a.capture(ctx, e, act)
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK) // typing, reactions, …: nothing to do
	}
}

func (a *Adapter) refuse(w http.ResponseWriter, err error) {
	status := http.StatusUnauthorized
	var ae *AuthError
	if errors.As(err, &ae) {
		status = ae.Status
	}
	// The reason names no user: a token's claims stay out of the log.
	a.log.Warn().Int("status", status).Str("reason", err.Error()).Msg("teams: activity refused")
	http.Error(w, http.StatusText(status), status)
}

// capture keeps where a manager's 1:1 and a team's channel are, from the
// install and membership activities Teams sends.
func (a *Adapter) capture(ctx context.Context, e Engine, act *Activity) {
	if act.Type == TypeInstallationUpdate && strings.HasPrefix(act.Action, "remove") {
		return
	}
	if act.ChannelData != nil && act.ChannelData.Team != nil {
		// A team: its channels are posted to at the activity's service URL.
		ids := []string{act.Conversation.ID, act.ChannelData.Team.ID}
		if act.ChannelData.Channel != nil {
			ids = append(ids, act.ChannelData.Channel.ID)
		}
		for _, id := range ids {
			if id == "" {
				continue
			}
			if s, ok := e.Identity(nsChannel, id); !ok || s != act.ServiceURL {
				if err := e.SetIdentity(ctx, nsChannel, id, act.ServiceURL); err != nil {
					a.log.Warn().Err(err).Msg("teams: could not keep a channel reference")
				}
			}
		}
		return
	}
	mgr, err := a.manager(ctx, e, act)
	if err != nil {
		if !errors.Is(err, errStranger) {
			a.log.Warn().Err(err).Msg("teams: could not match a user to the roster")
		}
		return
	}
	// The bot joining a manager's 1:1 is the chat being opened for the
	// first time: greet them with their week.
	if act.Type == TypeConversationUpdate && act.Recipient != nil && slices.ContainsFunc(act.MembersAdded, func(m Account) bool { return m.ID == act.Recipient.ID }) {
		a.reply(ctx, act, a.home(e, mgr))
	}
}

// errStranger is a Teams user who is not a manager on the roster.
var errStranger = errors.New("not on the roster")

// manager finds the roster manager behind an activity's sender, and keeps
// the conversation reference of a personal chat.
func (a *Adapter) manager(ctx context.Context, e Engine, act *Activity) (string, error) {
	from := act.From
	mgr, ok := e.Identity(nsUser, from.ID)
	if !ok {
		if mgr, ok = a.byID[from.ID]; !ok && from.AADObjectID != "" {
			mgr, ok = a.byID[from.AADObjectID]
		}
	}
	if !ok {
		email, _, err := a.client.Member(ctx, act.ServiceURL, act.Conversation.ID, from.ID)
		if err != nil {
			return "", err
		}
		if mgr, ok = byEmail(e.Config(), email); !ok {
			return "", errStranger
		}
	}
	if s, had := e.Identity(nsUser, from.ID); !had || s != mgr {
		if err := e.SetIdentity(ctx, nsUser, from.ID, mgr); err != nil {
			return "", err
		}
	}
	if act.personal() {
		r := ref{ServiceURL: act.ServiceURL, Tenant: act.Tenant(), User: from.ID, AAD: from.AADObjectID, Conv: act.Conversation.ID}
		if err := a.saveRef(ctx, e, mgr, r); err != nil {
			return "", err
		}
	}
	return mgr, nil
}

// byEmail finds the roster manager with an email address, ignoring case:
// Teams gives a member's address as the directory spells it.
func byEmail(cfg *config.Config, email string) (string, bool) {
	if email == "" {
		return "", false
	}
	for _, m := range cfg.Managers {
		if strings.EqualFold(m.Email, email) {
			return m.ID, true
		}
	}
	return "", false
}

// personal reports whether an activity comes from a user's 1:1 chat with
// the bot, rather than a channel or a group chat others read.
func (act *Activity) personal() bool {
	c := act.Conversation
	return c.ConversationType == "personal" || (c.ConversationType == "" && !c.IsGroup && act.ChannelData.teamless())
}

func (c *ChannelData) teamless() bool { return c == nil || c.Team == nil }

// reply answers a message in its conversation.
func (a *Adapter) reply(ctx context.Context, act *Activity, out *Activity) {
	out.ReplyToID = act.ID
	if _, err := a.client.SendActivity(ctx, act.ServiceURL, act.Conversation.ID, out); err != nil {
		a.log.Warn().Err(err).Msg("teams: could not answer a message")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
