package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/bot/teams"
	"github.com/nudgebot/nudgebot/config"
)

// newTeams builds the Teams adapter from the [msteams] section.
// reload runs the admin command "reload".
func newTeams(cfg *config.Config, logger zerolog.Logger, now func() time.Time, reload func(context.Context) error) (*teams.Adapter, error) {
	t := cfg.MSTeams
	return teams.New(teams.Options{
		AppID: t.AppID, AppPassword: t.AppPassword.Value(), TenantID: t.TenantID,
		OpenIDMetadata: t.OpenIDMetadata, Authority: t.LoginAuthority,
		AllowedServiceURLs: t.ServiceURLs, TenantRate: t.TenantRate, UserIDs: t.UserIDs,
		SkipAuth: t.DevSkipAuth, Listen: cfg.HTTPListen, Reload: reload,
		Logger: logger.With().Str("platform", "teams").Logger(), Now: now,
	})
}

// The engine is what the Teams adapter talks to, directly: the adapter's
// Engine interface asks nothing the engine does not have.
var _ teams.Engine = (*bot.Engine)(nil)

// teamsChat runs the Teams adapter alongside the engine: Teams calls the
// bot (on the HTTP server), so running is waiting for the end.
type teamsChat struct{ *teams.Adapter }

func (teamsChat) Run(ctx context.Context, _ *bot.Engine) error {
	<-ctx.Done()
	return nil
}
