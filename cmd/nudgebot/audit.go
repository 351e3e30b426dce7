package main

import (
	"context"
	"encoding/json"
	"io"

	"github.com/nudgebot/nudgebot/store"
)

// cmdAudit prints the audit log of admin actions, oldest first, one JSON
// object a line. It names no person an action was about: the entries
// never did.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("audit", "audit -config FILE", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	return withReadableStore(ctx, cfg, func(st *store.Store) error {
		return st.View(func(tx *store.Tx) error {
			return tx.Audits(func(a store.Audit) error { return enc.Encode(a) })
		})
	})
}
