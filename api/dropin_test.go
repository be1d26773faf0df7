package api_test

// Confluent parameters and answers that were departures (issue 13):
// force, deletedAsNegative, contexts and referencedby paging, and the
// refusal reason clients print.

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestRegisterForce(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, s *authServer) {
		s.register("forced", schemaBody(userV1))
		// A service's force is ignored: the level holds.
		r := s.as(t, "orders-svc", "POST", "/subjects/forced/versions?force=true", schemaBody(userV2NoDefault))
		wantError(t, "force from a service", r, 409, 409, "incompatible")
		// An admin's force skips the checks, as Confluent's.
		if r := s.as(t, "ops", "POST", "/subjects/forced/versions?force=true", schemaBody(userV2NoDefault)); r.Status != 200 {
			t.Fatalf("force from an admin: %s", r)
		}
		var vs []int
		s.ok("GET", "/subjects/forced/versions", nil, &vs)
		if !slices.Equal(vs, []int{1, 2}) {
			t.Errorf("versions after a forced registration = %v, want [1 2]", vs)
		}
	})
}

func TestListingParameters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		for _, sch := range []string{userV1, userV2, avroRecord("User", `{"name":"id","type":"long"}`, `{"name":"email","type":["null","string"],"default":null}`, `{"name":"n","type":["null","int"],"default":null}`)} {
			_, err := cl.RegisterSchema(bg, "neg", avroSchema(sch), -1, -1)
			must(t, "register", err)
		}
		s.ok("DELETE", "/subjects/neg/versions/2", nil, nil)
		var vs []int
		s.ok("GET", "/subjects/neg/versions?deletedAsNegative=true", nil, &vs)
		if !slices.Equal(vs, []int{1, -2, 3}) {
			t.Errorf("deletedAsNegative = %v, want [1 -2 3]", vs)
		}
		s.ok("GET", "/subjects/neg/versions?deletedAsNegative=true&deleted=true&offset=1&limit=1", nil, &vs)
		if !slices.Equal(vs, []int{-2}) {
			t.Errorf("deletedAsNegative page = %v, want [-2]", vs)
		}

		// Contexts: contextPrefix, offset, limit.
		for _, c := range []string{".eu", ".eu-west", ".us"} {
			_, err := cl.RegisterSchema(bg, ":"+c+":x", avroSchema(userV1), -1, -1)
			must(t, "register in "+c, err)
		}
		var ctxs []string
		s.ok("GET", "/contexts?contextPrefix=.eu", nil, &ctxs)
		if !slices.Equal(ctxs, []string{".eu", ".eu-west"}) {
			t.Errorf("contexts with prefix .eu = %v", ctxs)
		}
		s.ok("GET", "/contexts?offset=1&limit=2", nil, &ctxs)
		if len(ctxs) != 2 || ctxs[0] != ".eu" {
			t.Errorf("contexts offset 1 limit 2 = %v, want [.eu .eu-west]", ctxs)
		}

		// referencedby: offset and limit.
		s.register("addr", schemaBody(avroAddress))
		for _, subj := range []string{"c1", "c2", "c3"} {
			customer := strings.Replace(avroCustomer, `"name":"name"`, `"name":"`+subj+`"`, 1)
			s.register(subj, schemaBody(customer, "references", []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 1}}))
		}
		var all, page []int
		s.ok("GET", "/subjects/addr/versions/1/referencedby", nil, &all)
		s.ok("GET", "/subjects/addr/versions/1/referencedby?offset=1&limit=1", nil, &page)
		if len(all) != 3 || len(page) != 1 || page[0] != all[1] {
			t.Errorf("referencedby = %v, page offset 1 limit 1 = %v", all, page)
		}
	})
}

// TestRefusalReasonReachesClients: 409 and 422 bodies are Confluent's
// {"error_code", "message"} and the message says why, so franz-go (whose
// error text is the message) and Confluent's clients print the reason.
func TestRefusalReasonReachesClients(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		_, err := cl.RegisterSchema(bg, "why", avroSchema(userV1), -1, -1)
		must(t, "register", err)
		_, err = cl.RegisterSchema(bg, "why", avroSchema(userV2NoDefault), -1, -1)
		re := wantSRError(t, "incompatible", err, 409)
		want := `Schema being registered is incompatible with an earlier schema for subject "why", details: [`
		if re == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "age") ||
			!strings.HasSuffix(err.Error(), "{validateFields: 'true', compatibility: 'BACKWARD'}]") {
			t.Errorf("franz-go prints %q, want Confluent's message naming the field", err)
		}
		var raw map[string]json.RawMessage
		if re != nil {
			if err := json.Unmarshal(re.Raw, &raw); err != nil || len(raw) != 2 || raw["message"] == nil || raw["error_code"] == nil {
				t.Errorf("409 body %s is not exactly {error_code, message}", re.Raw)
			}
		}
		// The verbose compatibility answer ends with the same trailer.
		var check struct {
			Messages []string `json:"messages"`
		}
		s.ok("POST", "/compatibility/subjects/why/versions/latest?verbose=true", schemaBody(userV2NoDefault), &check)
		if n := len(check.Messages); n < 2 || check.Messages[n-1] != "{validateFields: 'true', compatibility: 'BACKWARD'}" {
			t.Errorf("verbose messages %q do not end with Confluent's settings message", check.Messages)
		}
		_, err = cl.RegisterSchema(bg, "why", avroSchema(`{"type":"record","name":"R"}`), -1, -1)
		re = wantSRError(t, "invalid", err, 42201)
		if re == nil || !strings.Contains(err.Error(), "fields") {
			t.Errorf("franz-go prints %q for an invalid schema, want the reason", err)
		}
		var rerr *sr.ResponseError
		if !errors.As(err, &rerr) || rerr.StatusCode != 422 {
			t.Errorf("invalid schema answered %v, want HTTP 422", err)
		}
	})
}
