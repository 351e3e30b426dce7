package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges/insight"
	"github.com/nudgebot/nudgebot/web/dash"
	"github.com/nudgebot/nudgebot/web/dash/botsrc"
)

// newDashboard builds L&D's dashboard over the engine, or nil when the
// configuration does not enable it.
func newDashboard(cfg *config.Config, e *bot.Engine, logger zerolog.Logger, o options) (*dash.Dashboard, error) {
	d := cfg.Dashboard
	if !d.Enabled {
		return nil, nil
	}
	return dash.New(dash.Options{
		Backend: botsrc.New(e), ExternalURL: d.ExternalURL,
		Issuer: d.Issuer, ClientID: d.ClientID, ClientSecret: d.ClientSecret.Value(), Scopes: d.Scopes,
		Admins: d.Admins, Viewers: d.Viewers, AdminToken: d.AdminToken.Value(), SessionTTL: d.SessionTTL,
		Now:    o.now,
		Logger: logger.With().Str("component", "dashboard").Logger(),
		// The download is the very CSV `nudgebot report -format csv` writes.
		WriteCSV: func(w io.Writer, v insight.View) error { return writeReportCSV(w, v, false) },
	})
}

// serveDashboard serves the dashboard on its own address (dashboard.listen)
// until ctx ends.
func serveDashboard(ctx context.Context, wg *sync.WaitGroup, addr string, h http.Handler, logger zerolog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("dashboard.listen: %w", err)
	}
	logger.Info().Str("addr", l.Addr().String()).Msg("dashboard listening")
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	wg.Go(func() {
		if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
			logger.Error().Err(err).Msg("dashboard server stopped")
		}
	})
	wg.Go(func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		srv.Shutdown(sctx)
	})
	return nil
}
