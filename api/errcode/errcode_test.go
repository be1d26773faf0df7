package errcode_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accord/accord/api/errcode"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

// kinds names every error value the domain packages export. The parser
// check below keeps it complete: a new exported Err* variable in one of
// these packages fails the test until it is listed here and has a row.
var kinds = map[string]error{
	"registry.ErrNotFound":              registry.ErrNotFound,
	"registry.ErrConflict":              registry.ErrConflict,
	"registry.ErrSubjectNotFound":       registry.ErrSubjectNotFound,
	"registry.ErrVersionNotFound":       registry.ErrVersionNotFound,
	"registry.ErrSchemaNotFound":        registry.ErrSchemaNotFound,
	"registry.ErrSubjectSoftDeleted":    registry.ErrSubjectSoftDeleted,
	"registry.ErrSubjectNotSoftDeleted": registry.ErrSubjectNotSoftDeleted,
	"registry.ErrVersionSoftDeleted":    registry.ErrVersionSoftDeleted,
	"registry.ErrVersionNotSoftDeleted": registry.ErrVersionNotSoftDeleted,
	"registry.ErrSubjectConfigNotFound": registry.ErrSubjectConfigNotFound,
	"registry.ErrSubjectModeNotFound":   registry.ErrSubjectModeNotFound,
	"registry.ErrIncompatible":          registry.ErrIncompatible,
	"registry.ErrInvalidSchema":         registry.ErrInvalidSchema,
	"registry.ErrInvalidVersion":        registry.ErrInvalidVersion,
	"registry.ErrInvalidCompatibility":  registry.ErrInvalidCompatibility,
	"registry.ErrInvalidMode":           registry.ErrInvalidMode,
	"registry.ErrOperationNotPermitted": registry.ErrOperationNotPermitted,
	"registry.ErrReferenceExists":       registry.ErrReferenceExists,
	"registry.ErrInvalidSubject":        registry.ErrInvalidSubject,
	"registry.ErrContextNotEmpty":       registry.ErrContextNotEmpty,
	"registry.ErrStore":                 registry.ErrStore,
	"registry.ErrIDOutOfRange":          registry.ErrIDOutOfRange,

	"auth.ErrUnauthenticated":   auth.ErrUnauthenticated,
	"auth.ErrThrottled":         auth.ErrThrottled,
	"auth.ErrForbidden":         auth.ErrForbidden,
	"auth.ErrPrincipalNotFound": auth.ErrPrincipalNotFound,
	"auth.ErrPrincipalExists":   auth.ErrPrincipalExists,
	"auth.ErrTokenNotFound":     auth.ErrTokenNotFound,
	"auth.ErrInvalid":           auth.ErrInvalid,
	"auth.ErrLastAdmin":         auth.ErrLastAdmin,

	"contracts.ErrStreamNotFound": contracts.ErrStreamNotFound,
	"contracts.ErrStreamExists":   contracts.ErrStreamExists,
	"contracts.ErrSubjectTaken":   contracts.ErrSubjectTaken,
	"contracts.ErrInvalidStream":  contracts.ErrInvalidStream,
	"contracts.ErrForbidden":      contracts.ErrForbidden,
	"contracts.ErrLintFailed":     contracts.ErrLintFailed,
	"contracts.ErrReviewRequired": contracts.ErrReviewRequired,

	"backup.ErrConflict":  backup.ErrConflict,
	"backup.ErrInvalid":   backup.ErrInvalid,
	"backup.ErrTruncated": backup.ErrTruncated,

	"dek.ErrKeyNotFound":       dek.ErrKeyNotFound,
	"dek.ErrKeyNotSoftDeleted": dek.ErrKeyNotSoftDeleted,
	"dek.ErrKeySoftDeleted":    dek.ErrKeySoftDeleted,
	"dek.ErrAlreadyExists":     dek.ErrAlreadyExists,
	"dek.ErrTooManyKeys":       dek.ErrTooManyKeys,
	"dek.ErrInvalidKey":        dek.ErrInvalidKey,
	"dek.ErrReferenceExists":   dek.ErrReferenceExists,

	"lineage.ErrInvalid":   lineage.ErrInvalid,
	"lineage.ErrNotFound":  lineage.ErrNotFound,
	"lineage.ErrForbidden": lineage.ErrForbidden,
	"lineage.ErrConflict":  lineage.ErrConflict,

	"proposals.ErrNotFound":          proposals.ErrNotFound,
	"proposals.ErrNotPending":        proposals.ErrNotPending,
	"proposals.ErrAlreadyRegistered": proposals.ErrAlreadyRegistered,
	"proposals.ErrForbidden":         proposals.ErrForbidden,
	"proposals.ErrInvalid":           proposals.ErrInvalid,

	"errcode.ErrBadRequest":       errcode.ErrBadRequest,
	"errcode.ErrUnprocessable":    errcode.ErrUnprocessable,
	"errcode.ErrTooLarge":         errcode.ErrTooLarge,
	"errcode.ErrUnsupportedMedia": errcode.ErrUnsupportedMedia,
	"errcode.ErrNotFound":         errcode.ErrNotFound,
	"errcode.ErrMethod":           errcode.ErrMethod,
	"errcode.ErrCrossSite":        errcode.ErrCrossSite,
}

// domainDirs are the packages whose exported error kinds must be mapped
// (relative to this package).
var domainDirs = map[string]string{
	"registry": "../../registry", "auth": "../../auth", "contracts": "../../contracts", "backup": "../../backup", "dek": "../../dek",
	"lineage": "../../lineage", "proposals": "../../proposals", "errcode": ".",
}

// TestEveryDomainErrorHasARow: every exported Err* variable of the domain
// packages is listed in kinds, and every listed kind has its own row.
func TestEveryDomainErrorHasARow(t *testing.T) {
	for pkg, dir := range domainDirs {
		for _, name := range exportedErrors(t, dir) {
			if _, ok := kinds[pkg+"."+name]; !ok {
				t.Errorf("%s.%s is an exported error with no entry in kinds (and maybe no row in errcode.Table)", pkg, name)
			}
		}
	}
	for name, kind := range kinds {
		found := false
		for _, r := range errcode.Table {
			if r.Kind == kind {
				found = true
				if r.Status < 400 || r.Status > 599 || r.Code < 400 {
					t.Errorf("%s: row %d/%d is not an error status and code", name, r.Status, r.Code)
				}
			}
		}
		if !found {
			t.Errorf("%s has no row in errcode.Table", name)
		}
	}
}

// exportedErrors lists the exported package-level variables named Err* in
// the non-test Go files of dir.
func exportedErrors(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}

// TestOf: first match wins through wrapping; unknown errors are 500.
func TestOf(t *testing.T) {
	for _, c := range []struct {
		err          error
		status, code int
		msg          string
	}{
		{fmt.Errorf("ctx: %w", contracts.ErrInvalidStream), 422, 42271, "ctx: invalid stream"},
		{errcode.New(errcode.ErrCrossSite, "nope"), 403, 40303, "nope"},
		{auth.Errorf(auth.ErrLastAdmin, "last"), 409, 40962, "last"},
		{errors.New("database on fire"), 500, 50001, "Internal server error"},
		{&registry.Error{Kind: registry.ErrStore, Message: "error in the backend data store: x"}, 500, 50001, "error in the backend data store: x"},
	} {
		status, code := errcode.Of(c.err)
		if status != c.status || code != c.code {
			t.Errorf("Of(%v) = %d/%d, want %d/%d", c.err, status, code, c.status, c.code)
		}
		if m := errcode.Message(c.err); m != c.msg {
			t.Errorf("Message(%v) = %q, want %q", c.err, m, c.msg)
		}
	}
}
