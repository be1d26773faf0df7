package sqlstore

import (
	"testing"

	"github.com/accord/accord/registry/storetest"
)

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, perTest(newSQLiteDir))
}

func TestPostgresConformance(t *testing.T) {
	postgresURL(t) // skip (or fail in CI) before any subtest
	storetest.Run(t, perTest(newPostgresSchema))
}
