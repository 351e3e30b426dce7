package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Identity endpoints of the public cloud; sovereign clouds and tests point
// AuthOptions elsewhere.
const (
	BotFrameworkOpenID = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	LoginAuthority     = "https://login.microsoftonline.com"
	botFrameworkIssuer = "https://api.botframework.com"
)

// AuthOptions configure inbound token validation.
type AuthOptions struct {
	AppID    string // the bot's Microsoft app id: the audience of every token
	TenantID string // the bot's tenant: Entra-issued tokens must come from it
	// OpenIDMetadata is the Bot Framework OpenID metadata URL
	// (BotFrameworkOpenID when empty).
	OpenIDMetadata string
	// Authority is the Entra login authority (LoginAuthority when empty):
	// the tenant's keys are read from
	// {Authority}/{tenant}/v2.0/.well-known/openid-configuration.
	Authority  string
	HTTPClient *http.Client
	Now        func() time.Time
	// MinRefresh is the least time between two key refreshes caused by an
	// unknown kid (default 5 minutes).
	MinRefresh time.Duration
}

// Authenticator checks the bearer token of an inbound activity.
type Authenticator struct {
	appID   string
	issuers map[string]*keySet // accepted issuer → where its keys are
	botFw   *keySet
	parser  *jwt.Parser
}

// Skew is the clock difference tolerated on exp, nbf and iat.
const Skew = 5 * time.Minute

// NewAuthenticator returns a validator for the configured bot.
func NewAuthenticator(o AuthOptions) (*Authenticator, error) {
	if o.AppID == "" || o.TenantID == "" {
		return nil, errors.New("teams auth: app id and tenant id are required")
	}
	if o.OpenIDMetadata == "" {
		o.OpenIDMetadata = BotFrameworkOpenID
	}
	if o.Authority == "" {
		o.Authority = LoginAuthority
	}
	o.Authority = strings.TrimSuffix(o.Authority, "/")
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinRefresh <= 0 {
		o.MinRefresh = 5 * time.Minute
	}
	set := func(u string) *keySet {
		return &keySet{metadataURL: u, client: o.HTTPClient, now: o.Now, minRefresh: o.MinRefresh}
	}
	botFw := set(o.OpenIDMetadata)
	entra := set(o.Authority + "/" + o.TenantID + "/v2.0/.well-known/openid-configuration")
	a := &Authenticator{
		appID: o.AppID,
		botFw: botFw,
		issuers: map[string]*keySet{
			botFrameworkIssuer: botFw,
			"https://sts.windows.net/" + o.TenantID + "/":               entra,
			o.Authority + "/" + o.TenantID + "/v2.0":                    entra,
			"https://login.microsoftonline.com/" + o.TenantID + "/v2.0": entra,
		},
	}
	a.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
		jwt.WithLeeway(Skew),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(o.Now),
	)
	return a, nil
}

// AuthError is a refused request: Status is 401 (no valid token) or 403 (a
// valid token that does not cover this activity).
type AuthError struct {
	Status int
	Reason string
}

func (e *AuthError) Error() string { return e.Reason }

func unauthorized(format string, args ...any) error {
	return &AuthError{Status: http.StatusUnauthorized, Reason: fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) error {
	return &AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf(format, args...)}
}

// claims are what a connector token says beyond the registered claims.
type claims struct {
	jwt.RegisteredClaims
	ServiceURL string `json:"serviceurl"`
	TenantID   string `json:"tid"`
}

// token is a validated token, not yet matched to its activity.
type token struct {
	claims   claims
	endorsed []string // the signing key's endorsements; nil when it has none
	botFw    bool
}

// Token validates the Authorization header: signature by a published key of
// an accepted issuer, algorithm, audience, lifetime with Skew.
func (a *Authenticator) Token(ctx context.Context, header string) (*token, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return nil, unauthorized("no bearer token")
	}
	t := &token{}
	_, err := a.parser.ParseWithClaims(raw, &t.claims, func(jt *jwt.Token) (any, error) {
		iss, _ := jt.Claims.GetIssuer()
		set, ok := a.issuers[iss]
		if !ok {
			return nil, fmt.Errorf("issuer %q is not accepted", iss)
		}
		kid, _ := jt.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token names no key")
		}
		k, err := set.lookup(ctx, kid)
		if err != nil {
			return nil, err
		}
		t.endorsed, t.botFw = k.endorsements, set == a.botFw
		return k.pub, nil
	})
	if err != nil {
		return nil, unauthorized("invalid token: %v", err)
	}
	aud := t.claims.Audience
	if !slices.Contains(aud, a.appID) && !slices.Contains(aud, "api://"+a.appID) {
		return nil, unauthorized("token is for another audience")
	}
	return t, nil
}

// Authorize matches a valid token to the activity it came with: the
// signing key must be endorsed for the activity's channel, and the token's
// service URL must be the activity's, so a token captured for one service
// cannot steer the bot's replies (and its own token) to another.
func (t *token) Authorize(act *Activity) error {
	if t.botFw || t.endorsed != nil {
		if act.ChannelID == "" || !slices.Contains(t.endorsed, act.ChannelID) {
			return forbidden("signing key is not endorsed for channel %q", act.ChannelID)
		}
	}
	su := t.claims.ServiceURL
	if su == "" {
		if t.botFw {
			return forbidden("token carries no service URL")
		}
		return nil
	}
	if n, err := normalServiceURL(su); err != nil || n != act.ServiceURL {
		return forbidden("token is for another service URL")
	}
	return nil
}
