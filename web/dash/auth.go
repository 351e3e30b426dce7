package dash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// loginWindow is how long a browser may take at the provider.
const loginWindow = 10 * time.Minute

// provider discovers the OIDC provider on first use, not at start: a
// provider that is down must not keep the bot (or the token sign-in) from
// starting. A failed discovery is tried again at the next sign-in.
func (d *Dashboard) provider(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.prov != nil {
		return d.prov, d.oauth, nil
	}
	p, err := oidc.NewProvider(d.clientCtx(ctx), d.opt.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("OIDC discovery at %s: %w", d.opt.Issuer, err)
	}
	d.prov = p
	d.oauth = &oauth2.Config{ClientID: d.opt.ClientID, ClientSecret: d.opt.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: d.opt.ExternalURL + Prefix + "/callback", Scopes: d.opt.Scopes}
	return d.prov, d.oauth, nil
}

func (d *Dashboard) clientCtx(ctx context.Context) context.Context {
	if d.opt.HTTPClient != nil {
		return oidc.ClientContext(ctx, d.opt.HTTPClient)
	}
	return ctx
}

// loginOIDC sends the browser to the provider with a fresh state, nonce and
// PKCE verifier, kept in a signed short-lived cookie for the callback.
func (d *Dashboard) loginOIDC(w http.ResponseWriter, r *http.Request) {
	if d.opt.Issuer == "" {
		http.NotFound(w, r)
		return
	}
	_, conf, err := d.provider(r.Context())
	if err != nil {
		d.log.Error().Err(err).Msg("dashboard sign-in unavailable")
		d.errorPage(w, r, http.StatusBadGateway, "The sign-in provider cannot be reached. Try again in a minute.")
		return
	}
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	v := strings.Join([]string{state, nonce, verifier, strconv.FormatInt(d.now().Add(loginWindow).Unix(), 10)}, ".")
	d.setCookie(w, r, cookieLogin, v+"."+d.sessions.sign(v), Prefix+"/", loginWindow)
	http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// loginState reads the login cookie back: state, nonce, verifier.
func (d *Dashboard) loginState(r *http.Request) (state, nonce, verifier string, ok bool) {
	c, err := r.Cookie(cookieLogin)
	if err != nil {
		return "", "", "", false
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 || !hmacEqual(c.Value[i+1:], d.sessions.sign(c.Value[:i])) {
		return "", "", "", false
	}
	parts := strings.Split(c.Value[:i], ".")
	if len(parts) != 4 {
		return "", "", "", false
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || !d.now().Before(time.Unix(exp, 0)) {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

func hmacEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// callback finishes an OIDC sign-in: the state must be the one this
// browser was sent with, the code is exchanged with its PKCE verifier, and
// the ID token's signature, issuer, audience, expiry and nonce are checked
// before anyone is let in.
func (d *Dashboard) callback(w http.ResponseWriter, r *http.Request) {
	if d.opt.Issuer == "" {
		http.NotFound(w, r)
		return
	}
	d.setCookie(w, r, cookieLogin, "", Prefix+"/", -1) // one use only
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		d.errorPage(w, r, http.StatusUnauthorized, "The provider did not sign you in ("+e+").")
		return
	}
	state, nonce, verifier, ok := d.loginState(r)
	if !ok || q.Get("state") == "" || !hmacEqual(q.Get("state"), state) {
		d.errorPage(w, r, http.StatusBadRequest, "This sign-in link is not valid any more. Start again from the sign-in page.")
		return
	}
	p, conf, err := d.provider(r.Context())
	if err != nil {
		d.errorPage(w, r, http.StatusBadGateway, "The sign-in provider cannot be reached. Try again in a minute.")
		return
	}
	ctx := d.clientCtx(r.Context())
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		d.log.Warn().Err(err).Msg("dashboard sign-in: code exchange failed")
		d.errorPage(w, r, http.StatusUnauthorized, "The provider did not confirm this sign-in.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: d.opt.ClientID, Now: d.now}).Verify(ctx, raw)
	if err == nil && !hmacEqual(idt.Nonce, nonce) {
		err = errors.New("nonce does not match")
	}
	if err != nil {
		d.log.Warn().Err(err).Msg("dashboard sign-in: ID token refused")
		d.errorPage(w, r, http.StatusUnauthorized, "The provider's answer could not be verified.")
		return
	}
	var claims struct {
		Email    string `json:"email"`
		Verified any    `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		d.errorPage(w, r, http.StatusUnauthorized, "The provider's answer could not be read.")
		return
	}
	// Some providers send email_verified as a string; one that sends
	// false gets no say by email at all.
	verified := claims.Verified == true || claims.Verified == "true"
	email := claims.Email
	if claims.Verified == false || claims.Verified == "false" {
		email = ""
	}
	role := d.roleOf(idt.Subject, email, verified)
	if role == "" {
		d.log.Info().Msg("dashboard sign-in refused: not listed as admin or viewer")
		d.errorPage(w, r, http.StatusForbidden, "You are signed in with the provider, but not allowed on this dashboard. Ask L&D to add you.")
		return
	}
	user := email
	if user == "" {
		user = idt.Subject
	}
	d.startSession(w, r, user, email, role)
}

func (d *Dashboard) startSession(w http.ResponseWriter, r *http.Request, user, email string, role Role) {
	ss := d.sessions.create(user, email, role)
	d.setCookie(w, r, cookieSession, d.sessions.cookieValue(ss), Prefix+"/", d.opt.SessionTTL)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

// roleOf matches a signed-in person against the configured lists: by
// subject, by email, or by a "@domain" entry (verified email only).
func (d *Dashboard) roleOf(sub, email string, verified bool) Role {
	match := func(list []string) bool {
		for _, a := range list {
			switch {
			case a == sub:
				return true
			case email != "" && strings.EqualFold(a, email):
				return true
			case strings.HasPrefix(a, "@") && verified && strings.HasSuffix(strings.ToLower(email), strings.ToLower(a)):
				return true
			}
		}
		return false
	}
	switch {
	case match(d.opt.Admins):
		return RoleAdmin
	case match(d.opt.Viewers):
		return RoleViewer
	}
	return ""
}

// loginToken signs in with the static admin token. The form is guarded
// by a double-submitted value in a SameSite=Strict cookie, so another site
// cannot sign a browser in as someone else.
func (d *Dashboard) loginToken(w http.ResponseWriter, r *http.Request) {
	if d.opt.AdminToken == "" {
		http.NotFound(w, r)
		return
	}
	c, err := r.Cookie(cookiePre)
	if err != nil || !hmacEqual(r.PostFormValue("csrf"), c.Value) {
		d.errorPage(w, r, http.StatusForbidden, "The form expired. Reload the sign-in page and try again.")
		return
	}
	if !hmacEqual(r.PostFormValue("token"), d.opt.AdminToken) {
		d.log.Warn().Msg("dashboard sign-in refused: wrong admin token")
		d.errorPage(w, r, http.StatusUnauthorized, "That token is not right.")
		return
	}
	d.startSession(w, r, "token", "", RoleAdmin)
}

// cookiePre carries the sign-in form's CSRF value before any session.
const cookiePre = "nudgebot_pre"

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if d.session(r) != nil {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	pre := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: cookiePre, Value: pre, Path: Prefix + "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: d.secure(r), MaxAge: int(loginWindow / time.Second)})
	d.render(w, r, http.StatusOK, "login", page{Title: "Sign in", CSRF: pre, Data: map[string]any{
		"OIDC": d.opt.Issuer != "", "Provider": d.opt.ProviderName, "Token": d.opt.AdminToken != ""}})
}

// logout ends the session on the server, then drops the cookie.
func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, ss *session) {
	d.sessions.end(ss.id)
	d.setCookie(w, r, cookieSession, "", Prefix+"/", -1)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}
