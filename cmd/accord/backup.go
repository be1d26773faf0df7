package main

// The server's side of backups: the admin dump and import service
// (accord backup and restore are CLI verbs, package cli).

import (
	"context"
	"log/slog"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry/sqlstore"
)

// newBackups is the server's admin dump and import service: after an
// import it reloads the lineage index and tells the stream and credential
// caches that rows changed under them.
func newBackups(store *sqlstore.Store, graph *lineage.Service, streams *contracts.Service, authn *auth.Authenticator, log *slog.Logger) *backup.Service {
	return backup.NewService(store.DB(), func(ctx context.Context) {
		streams.Invalidate()
		if authn != nil {
			authn.PurgeCache()
		}
		if err := graph.Reload(ctx); err != nil {
			log.Warn("reloading the lineage index after an import", slog.Any("err", err))
		}
	})
}
