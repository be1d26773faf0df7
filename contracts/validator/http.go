package validator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/accord/accord/contracts/wire"
)

// HTTPSource reads an Accord server's REST API: GET /schemas/ids/{id},
// /schemas/ids/{id}/versions, /subjects/{s}/versions/{v} and /v1/streams.
// It is what a proxy or broker plug-in embeds; run the Validator's Run to
// poll the streams.
type HTTPSource struct {
	base   string
	client *http.Client
	auth   string
	checks func(Policy) Checks
}

var _ Source = (*HTTPSource)(nil)

// HTTPOptions configures an HTTPSource.
type HTTPOptions struct {
	// Client sends the requests (http.DefaultClient when nil).
	Client *http.Client
	// Authorization is sent as the Authorization header when set, e.g.
	// "Bearer acc_…".
	Authorization string
	// Checks gives each stream's checks; when nil, each stream's own
	// switches (its "validation" document) are used.
	Checks func(Policy) Checks
}

// NewHTTPSource returns a Source reading the Accord server at baseURL.
func NewHTTPSource(baseURL string, opts HTTPOptions) *HTTPSource {
	s := &HTTPSource{base: strings.TrimSuffix(baseURL, "/"), client: opts.Client, auth: opts.Authorization, checks: opts.Checks}
	if s.client == nil {
		s.client = http.DefaultClient
	}
	return s
}

// get reads path into v; a 404 is ErrNotFound.
func (s *HTTPSource) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json")
	if s.auth != "" {
		req.Header.Set("Authorization", s.auth)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: reading the answer: %w", path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: GET %s: %s", ErrNotFound, path, body)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decoding the answer: %w", path, err)
	}
	return nil
}

// schemaJSON is the part of a schema document the validator reads.
type schemaJSON struct {
	ID         int             `json:"id"`
	Version    int             `json:"version"`
	Subject    string          `json:"subject"`
	SchemaType string          `json:"schemaType"`
	Schema     string          `json:"schema"`
	References []Reference     `json:"references"`
	RuleSet    json.RawMessage `json:"ruleSet"`
	Metadata   json.RawMessage `json:"metadata"`
}

func typeOrAvro(t string) string {
	if t == "" {
		return "AVRO"
	}
	return t
}

// Schema implements Source.
func (s *HTTPSource) Schema(ctx context.Context, id int) (SchemaDoc, error) {
	var doc schemaJSON
	if err := s.get(ctx, "/schemas/ids/"+strconv.Itoa(id), &doc); err != nil {
		return SchemaDoc{}, err
	}
	deps, err := ResolveDeps(ctx, doc.References, func(ctx context.Context, subject string, version int) (string, string, []Reference, error) {
		var v schemaJSON
		if err := s.get(ctx, "/subjects/"+url.PathEscape(subject)+"/versions/"+strconv.Itoa(version)+"?deleted=true", &v); err != nil {
			return "", "", nil, err
		}
		return typeOrAvro(v.SchemaType), v.Schema, v.References, nil
	})
	if err != nil {
		return SchemaDoc{}, err
	}
	return SchemaDoc{ID: id, Type: typeOrAvro(doc.SchemaType), Schema: doc.Schema, Deps: deps, RuleSet: doc.RuleSet, Metadata: doc.Metadata}, nil
}

type subjectVersionJSON struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Usages implements Source: the versions with deleted=true, marked
// deleted when the live listing lacks them.
func (s *HTTPSource) Usages(ctx context.Context, id int) ([]Usage, error) {
	path := "/schemas/ids/" + strconv.Itoa(id) + "/versions"
	var all, live []subjectVersionJSON
	if err := s.get(ctx, path+"?deleted=true", &all); err != nil {
		return nil, err
	}
	if err := s.get(ctx, path, &live); err != nil {
		return nil, err
	}
	isLive := make(map[subjectVersionJSON]bool, len(live))
	for _, v := range live {
		isLive[v] = true
	}
	out := make([]Usage, len(all))
	for i, v := range all {
		out[i] = Usage{Subject: v.Subject, Version: v.Version, SchemaID: id, Deleted: !isLive[v]}
	}
	return out, nil
}

var _ GUIDSource = (*HTTPSource)(nil)

// SchemaByGUID implements GUIDSource: GET /schemas/guids/{guid}, which
// answers as GET /schemas/ids/{id}. The schema's id is the answer's "id"
// when it has one, else the first of GET /schemas/guids/{guid}/ids (a
// list of ids, or of objects with an "id").
func (s *HTTPSource) SchemaByGUID(ctx context.Context, guid string) (SchemaDoc, error) {
	path := "/schemas/guids/" + url.PathEscape(guid)
	var doc schemaJSON
	if err := s.get(ctx, path, &doc); err != nil {
		return SchemaDoc{}, err
	}
	id := doc.ID
	if id <= 0 {
		var ids []json.RawMessage
		if err := s.get(ctx, path+"/ids", &ids); err != nil {
			return SchemaDoc{}, err
		}
		for _, raw := range ids {
			var obj struct {
				ID int `json:"id"`
			}
			if json.Unmarshal(raw, &id) == nil || json.Unmarshal(raw, &obj) == nil && obj.ID > 0 {
				id = max(id, obj.ID)
				break
			}
		}
		if id <= 0 {
			return SchemaDoc{}, fmt.Errorf("%w: GET %s/ids: no schema id", ErrNotFound, path)
		}
	}
	return s.Schema(ctx, id)
}

// Latest implements Source.
func (s *HTTPSource) Latest(ctx context.Context, subject string) (Usage, error) {
	var v schemaJSON
	if err := s.get(ctx, "/subjects/"+url.PathEscape(subject)+"/versions/latest", &v); err != nil {
		return Usage{}, err
	}
	return Usage{Subject: v.Subject, Version: v.Version, SchemaID: v.ID}, nil
}

// streamJSON is the part of a /v1/streams entry the validator reads.
type streamJSON struct {
	Name          string   `json:"name"`
	Owner         string   `json:"owner"`
	Strategy      string   `json:"subjectStrategy"`
	KeySubject    string   `json:"keySubject"`
	ValueSubjects []string `json:"valueSubjects"`
	// Validation is absent from servers that predate the switches.
	Validation *validationJSON `json:"validation"`
}

// validationJSON is a stream's "validation" document (contracts.Validation
// on the wire). It is read as the server reads it: over the defaults, so
// a switch left out is as DefaultChecks has it, and "value" false skips
// values.
type validationJSON struct {
	SchemaID IDMode `json:"schemaId"`
	Payload  bool   `json:"payload"`
	Rules    bool   `json:"rules"`
	Producer bool   `json:"producer"`
	Key      bool   `json:"key"`
	Value    bool   `json:"value"`
}

func (v *validationJSON) UnmarshalJSON(b []byte) error {
	type plain validationJSON
	d := DefaultChecks
	p := plain{SchemaID: d.SchemaID, Payload: d.Payload, Rules: d.Rules, Producer: d.Producer, Key: d.Key, Value: !d.SkipValue}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*v = validationJSON(p)
	return nil
}

// checks is the Checks v gives; no document gives DefaultChecks.
func (v *validationJSON) checks() Checks {
	if v == nil {
		return DefaultChecks
	}
	return Checks{SchemaID: v.SchemaID, Payload: v.Payload, Rules: v.Rules, Producer: v.Producer, Key: v.Key, SkipValue: !v.Value}
}

// Streams implements Source.
func (s *HTTPSource) Streams(ctx context.Context) ([]Policy, error) {
	var sts []streamJSON
	if err := s.get(ctx, "/v1/streams", &sts); err != nil {
		return nil, err
	}
	out := make([]Policy, len(sts))
	for i, st := range sts {
		p := Policy{Stream: st.Name, Owner: st.Owner, Strategy: wire.Strategy(st.Strategy), KeySubject: st.KeySubject, ValueSubjects: st.ValueSubjects}
		p.Checks = st.Validation.checks()
		if s.checks != nil {
			p.Checks = s.checks(p)
		}
		out[i] = p
	}
	return out, nil
}
