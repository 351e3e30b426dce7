package teamsfake

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims describe a token as Teams' channel service would sign it. Zero
// fields take the values a genuine activity token has.
type Claims struct {
	Issuer     string
	Audience   string
	ServiceURL string
	IssuedAt   time.Time
	Lifetime   time.Duration // exp - iat; default 1 h
	Method     jwt.SigningMethod
	Kid        string
	Key        *rsa.PrivateKey
	NoService  bool // leave the serviceurl claim out
}

// BotFrameworkIssuer is the issuer of channel tokens.
const BotFrameworkIssuer = "https://api.botframework.com"

// Sign makes a bearer token. Unset fields are a genuine Bot Framework
// token for this fake's bot and connector, issued at c.IssuedAt.
func (f *Server) Sign(c Claims) string {
	if c.Issuer == "" {
		c.Issuer = BotFrameworkIssuer
	}
	if c.Audience == "" {
		c.Audience = f.opt.AppID
	}
	if c.ServiceURL == "" && !c.NoService {
		c.ServiceURL = f.ServiceURL()
	}
	if c.Lifetime == 0 {
		c.Lifetime = time.Hour
	}
	if c.Method == nil {
		c.Method = jwt.SigningMethodRS256
	}
	if c.Key == nil {
		c.Key, c.Kid = f.BotFrameworkKey, KidBotFramework
	}
	mc := jwt.MapClaims{
		"iss": c.Issuer, "aud": c.Audience,
		"iat": c.IssuedAt.Unix(), "nbf": c.IssuedAt.Unix(), "exp": c.IssuedAt.Add(c.Lifetime).Unix(),
	}
	if c.ServiceURL != "" {
		mc["serviceurl"] = c.ServiceURL
	}
	t := jwt.NewWithClaims(c.Method, mc)
	t.Header["kid"] = c.Kid
	s, err := t.SignedString(c.Key)
	if err != nil {
		panic(err) // a test's key and method that do not fit
	}
	return s
}

// Post sends an activity to a bot's messaging endpoint with the given
// Authorization header value ("" for none), and returns the answer.
func Post(url, authorization string, activity any) (int, []byte, error) {
	body, err := json.Marshal(activity)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Deliver signs an activity as Teams does, issued at now, and POSTs it.
func (f *Server) Deliver(url string, now time.Time, activity any) (int, []byte, error) {
	return Post(url, "Bearer "+f.Sign(Claims{IssuedAt: now}), activity)
}
