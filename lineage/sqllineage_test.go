package lineage_test

import (
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/lineage/sqllineage"
	"github.com/accord/accord/registry/sqlstore"
)

// The package's tests run on the real SQL store, on SQLite and
// PostgreSQL (see eachEngine); it is installed from this external test
// package because sqllineage imports lineage.
func init() {
	lineage.NewTestStore = func(db sqlstore.DB) lineage.Store { return sqllineage.New(db) }
}
