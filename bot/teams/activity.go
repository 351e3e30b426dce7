package teams

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Activity is the part of a Bot Framework activity nudgebot reads or
// writes. Unknown fields are ignored on the way in and never sent.
type Activity struct {
	Type         string          `json:"type"`
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name,omitempty"` // invoke: "adaptiveCard/action"
	ServiceURL   string          `json:"serviceUrl,omitempty"`
	ChannelID    string          `json:"channelId,omitempty"`
	From         *Account        `json:"from,omitempty"`
	Recipient    *Account        `json:"recipient,omitempty"`
	Conversation *Conversation   `json:"conversation,omitempty"`
	Text         string          `json:"text,omitempty"`
	TextFormat   string          `json:"textFormat,omitempty"`
	Summary      string          `json:"summary,omitempty"`
	Value        json.RawMessage `json:"value,omitempty"`
	ReplyToID    string          `json:"replyToId,omitempty"`
	Action       string          `json:"action,omitempty"` // installationUpdate: "add" or "remove"
	MembersAdded []Account       `json:"membersAdded,omitempty"`
	ChannelData  *ChannelData    `json:"channelData,omitempty"`
	Attachments  []Attachment    `json:"attachments,omitempty"`
}

// Account is a user or the bot.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// Conversation names a chat or channel thread.
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"` // personal, channel, groupChat
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

// ChannelData is Teams' own part of an activity.
type ChannelData struct {
	Tenant  *IDName `json:"tenant,omitempty"`
	Team    *IDName `json:"team,omitempty"`
	Channel *IDName `json:"channel,omitempty"`
}

// IDName is an object named by id.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Attachment carries a card.
type Attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content"`
}

// Activity types and names Teams sends.
const (
	TypeMessage            = "message"
	TypeInvoke             = "invoke"
	TypeConversationUpdate = "conversationUpdate"
	TypeInstallationUpdate = "installationUpdate"
	InvokeCardAction       = "adaptiveCard/action"
	ContentTypeCard        = "application/vnd.microsoft.card.adaptive"
)

// maxBody bounds an inbound activity. Teams caps a message with its cards
// at about 28 KB; the margin covers channel data and invoke payloads.
const maxBody = 256 << 10

// limits of fields we keep: ids and URLs longer than these are not Teams'.
const (
	maxIDLen   = 512
	maxTextLen = 28 << 10
)

// ErrBadActivity is a payload that is not an activity we can act on.
var ErrBadActivity = errors.New("malformed activity")

// ParseActivity decodes and checks an inbound activity: a type, an id, a
// conversation, and an absolute http(s) service URL (normalised to end in
// "/", the form the connector paths are appended to). It never panics.
func ParseActivity(body []byte) (*Activity, error) {
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: %d bytes is over the limit", ErrBadActivity, len(body))
	}
	var a Activity
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadActivity, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrBadActivity)
	}
	switch {
	case a.Type == "":
		return nil, fmt.Errorf("%w: no type", ErrBadActivity)
	case a.Conversation == nil || a.Conversation.ID == "":
		return nil, fmt.Errorf("%w: no conversation", ErrBadActivity)
	case a.From == nil || a.From.ID == "":
		return nil, fmt.Errorf("%w: no sender", ErrBadActivity)
	case len(a.ID) > maxIDLen || len(a.Conversation.ID) > maxIDLen || len(a.From.ID) > maxIDLen || len(a.ReplyToID) > maxIDLen:
		return nil, fmt.Errorf("%w: id too long", ErrBadActivity)
	case len(a.Text) > maxTextLen:
		return nil, fmt.Errorf("%w: text too long", ErrBadActivity)
	}
	su, err := normalServiceURL(a.ServiceURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadActivity, err)
	}
	a.ServiceURL = su
	return &a, nil
}

// normalServiceURL checks a service URL and gives it a trailing slash, so
// the same service always reads the same (the token claim, the allow-list
// and stored references compare as strings).
func normalServiceURL(s string) (string, error) {
	if s == "" || len(s) > maxIDLen {
		return "", errors.New("no usable service URL")
	}
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, "#?\\ \t\r\n") || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("service URL %q is not an absolute http(s) URL", s)
	}
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}

// Tenant is the activity's tenant: channel activities carry it in channel
// data, personal ones on the conversation.
func (a *Activity) Tenant() string {
	if a.ChannelData != nil && a.ChannelData.Tenant != nil && a.ChannelData.Tenant.ID != "" {
		return a.ChannelData.Tenant.ID
	}
	if a.Conversation != nil {
		return a.Conversation.TenantID
	}
	return ""
}
