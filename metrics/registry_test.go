package metrics

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

func TestRefusalReason(t *testing.T) {
	wrap := func(kind error) error {
		return fmt.Errorf("registering: %w", &contracts.Error{Kind: kind, Message: "m"})
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{&registry.Error{Kind: registry.ErrIncompatible}, "incompatible"},
		{wrap(contracts.ErrLintFailed), "lint"},
		{wrap(contracts.ErrReviewRequired), "review"},
		{wrap(contracts.ErrForbidden), "ownership"},
		{&registry.Error{Kind: registry.ErrOperationNotPermitted}, "read_only"},
		{&registry.Error{Kind: registry.ErrInvalidSchema}, "invalid"},
		{&registry.Error{Kind: registry.ErrInvalidSubject}, "invalid"},
		{&registry.Error{Kind: registry.ErrStore}, "other"},
		{context.Canceled, "other"},
		{errors.New("boom"), "other"},
	} {
		if got := RefusalReason(c.err); got != c.want {
			t.Errorf("RefusalReason(%v) = %s, want %s", c.err, got, c.want)
		}
	}
	// A review refusal is still a 403 for the API's error map.
	if !errors.Is(wrap(contracts.ErrReviewRequired), contracts.ErrForbidden) {
		t.Error("ErrReviewRequired is not an ErrForbidden")
	}
}

func TestBoundedLabels(t *testing.T) {
	for in, want := range map[string]string{"AVRO": "AVRO", "PROTOBUF": "PROTOBUF", "JSON": "JSON", "XML": "other", "": "other"} {
		if got := boundedFormat(in); got != want {
			t.Errorf("boundedFormat(%q) = %s", in, got)
		}
	}
	for in, want := range map[string]string{"rules": "rules", "frame": "frame", "made-up": "other"} {
		if got := boundedCheck(in); got != want {
			t.Errorf("boundedCheck(%q) = %s", in, got)
		}
	}
	for in, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "BREW": "OTHER"} {
		if got := method(in); got != want {
			t.Errorf("method(%q) = %s", in, got)
		}
	}
	for in, want := range map[int]int{101: 1, 200: 2, 204: 2, 304: 3, 404: 4, 499: 4, 503: 5} {
		if got := statusClass(in); got != fmt.Sprintf("%dxx", want) {
			t.Errorf("statusClass(%d) = %s", in, got)
		}
	}
}
