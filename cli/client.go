package cli

// What every CLI verb shares: configuration (flags over environment over
// the config file), the HTTP client and its errors, and exit codes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Exit codes of the CLI verbs.
const (
	exitOK    = 0 // it may ship / it was done
	exitFail  = 1 // incompatible, an error-level lint, a rejected write
	exitUsage = 2 // bad arguments, unreadable files, no server
	// exitInterrupted: the context was cancelled (Ctrl-C, SIGTERM); 128
	// plus SIGINT's number, as shells report a program Ctrl-C ended.
	exitInterrupted = 130
)

// cliError carries the exit code a failure should end with.
type cliError struct {
	code int
	err  error
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &cliError{exitUsage, fmt.Errorf(format, args...)}
}

// exit reports err on stderr and returns the code to exit with.
func (r *runner) exit(verb string, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(r.stderr, "accord %s: %v\n", verb, err)
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	var ce *cliError
	if errors.As(err, &ce) {
		return ce.code
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return exitFail // the server answered: a refusal, not a usage error
	}
	return exitUsage
}

// clientFlags are the connection flags every verb takes.
type clientFlags struct {
	url, token, user, password, config, output string
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", "", "server URL (env ACCORD_URL, config file url; default http://127.0.0.1:8081)")
	fs.StringVar(&c.token, "token", "", "API token, sent as Bearer (env ACCORD_TOKEN, config file token)")
	fs.StringVar(&c.user, "user", "", "HTTP Basic user (env ACCORD_USER, config file user)")
	fs.StringVar(&c.password, "password", "", "HTTP Basic password or token (env ACCORD_PASSWORD, config file password)")
	fs.StringVar(&c.config, "config", "", "config file (env ACCORD_CONFIG; default ~/.config/accord/config.yaml)")
	fs.StringVar(&c.output, "output", "text", "text or json")
}

// defaultConfigFile is $XDG_CONFIG_HOME/accord/config.yaml, else
// $HOME/.config/accord/config.yaml (what the README documents, on every
// system); "" when neither variable is set.
func defaultConfigFile(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "accord", "config.yaml")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "accord", "config.yaml")
	}
	return ""
}

// fileConfig is ~/.config/accord/config.yaml.
type fileConfig struct {
	URL      string `yaml:"url"`
	Token    string `yaml:"token"`
	User     string `yaml:"user"`
	Password string `yaml:"password"`
}

// resolve applies precedence: flags, then environment, then the config
// file, then the default URL.
func (c *clientFlags) resolve(getenv func(string) string) (*client, error) {
	if c.output != "text" && c.output != "json" {
		return nil, usageErr("--output %q: want text or json", c.output)
	}
	path, explicit := c.config, c.config != ""
	if path == "" {
		path, explicit = getenv("ACCORD_CONFIG"), getenv("ACCORD_CONFIG") != ""
	}
	if path == "" {
		path = defaultConfigFile(getenv)
	}
	var fc fileConfig
	if path != "" {
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := yaml.Unmarshal(raw, &fc); err != nil {
				return nil, usageErr("config file %s: %w", path, err)
			}
		case explicit || !errors.Is(err, os.ErrNotExist):
			return nil, usageErr("config file: %w", err)
		}
	}
	pick := func(flagV, env, file, def string) string {
		for _, v := range []string{flagV, getenv(env), file} {
			if v != "" {
				return v
			}
		}
		return def
	}
	cl := &client{
		base:     strings.TrimRight(pick(c.url, "ACCORD_URL", fc.URL, "http://127.0.0.1:8081"), "/"),
		token:    pick(c.token, "ACCORD_TOKEN", fc.Token, ""),
		user:     pick(c.user, "ACCORD_USER", fc.User, ""),
		password: pick(c.password, "ACCORD_PASSWORD", fc.Password, ""),
		http:     &http.Client{Timeout: 60 * time.Second},
	}
	if u, err := url.Parse(cl.base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErr("server URL %q: want http(s)://host[:port]", cl.base)
	}
	// Flags win as a pair: --user/--password given explicitly beat a
	// token from the environment or the file.
	if c.user != "" && c.token == "" {
		cl.token = ""
	}
	return cl, nil
}

// client talks to one Confluent-compatible registry.
type client struct {
	base, token, user, password string
	http                        *http.Client
}

// apiError is a non-2xx answer: the Confluent error document when the
// server sent one.
type apiError struct {
	Method, Path string
	Status       int
	Code         int    `json:"error_code"`
	Message      string `json:"message"`
}

func (e *apiError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s %s: %d (error_code %d): %s", e.Method, e.Path, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
}

// isStatus reports whether err is an API answer with that HTTP status.
func isStatus(err error, status int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == status
}

// isCode reports whether err is an API answer with that error_code.
func isCode(err error, code int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == code
}

// do sends in (JSON-encoded unless nil) and decodes a 2xx answer into out
// (unless nil). Transport failures are exit-2 errors; non-2xx answers are
// *apiError.
func (c *client) do(ctx context.Context, method, path string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding request: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	contentType := ""
	if in != nil || method == http.MethodPost {
		// Accord refuses a POST without a JSON type, body or not (CSRF).
		contentType = "application/vnd.schemaregistry.v1+json"
	}
	resp, err := c.send(ctx, method, path, contentType, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &cliError{exitUsage, fmt.Errorf("reading %s %s: %w", method, path, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &apiError{Method: method, Path: path, Status: resp.StatusCode}
		_ = json.Unmarshal(raw, ae) // a non-JSON error body leaves Message empty
		if resp.StatusCode == 401 || resp.StatusCode == 403 {
			// Credentials are configuration: fix and rerun, like a usage error.
			return resp.Header, &cliError{exitUsage, ae}
		}
		return resp.Header, ae
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.Header, fmt.Errorf("decoding %s %s: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// send sends one request with the client's credentials; failing to
// reach the server is an exit-2 error. contentType may be empty.
func (c *client) send(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, usageErr("building request %s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json, application/json")
	req.Header.Set("User-Agent", "accord-cli/"+Version)
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &cliError{exitUsage, fmt.Errorf("connecting to %s: %w", c.base, err)}
	}
	return resp, nil
}

// pathEscape escapes one path segment (subjects may hold '/' and ':').
func pathEscape(s string) string { return url.PathEscape(s) }

// schemaTypeOf infers the schema type from a file's extension.
func schemaTypeOf(path, override string) (string, error) {
	if override != "" {
		t := strings.ToUpper(override)
		switch t {
		case "AVRO", "PROTOBUF", "JSON":
			return t, nil
		}
		return "", usageErr("--type %q: want AVRO, PROTOBUF or JSON", override)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".avsc", ".avro":
		return "AVRO", nil
	case ".proto":
		return "PROTOBUF", nil
	case ".json":
		return "JSON", nil
	}
	return "", usageErr("%s: cannot tell the schema type from the extension (.avsc, .proto, .json); use --type", path)
}

// printJSON writes v indented to w.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// reference is a Confluent schema reference.
type reference struct {
	Name    string `json:"name" yaml:"name"`
	Subject string `json:"subject" yaml:"subject"`
	Version int    `json:"version" yaml:"version"`
}

// schemaDoc is the body of registration, lookup, lint and compatibility
// requests.
type schemaDoc struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
}

// body returns the request body: AVRO is the default schemaType and is
// left out, as Confluent clients do.
func (d schemaDoc) body() schemaDoc {
	if d.SchemaType == "AVRO" {
		d.SchemaType = ""
	}
	return d
}

// versionDoc is GET /subjects/{s}/versions/{v}.
type versionDoc struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int64           `json:"id"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
}

func (v versionDoc) schemaType() string {
	if v.SchemaType == "" {
		return "AVRO"
	}
	return v.SchemaType
}

// latest returns the latest live version of subject (a 404 *apiError when
// there is none).
func (c *client) latest(ctx context.Context, subject string) (versionDoc, error) {
	var v versionDoc
	_, err := c.do(ctx, "GET", "/subjects/"+pathEscape(subject)+"/versions/latest", nil, &v)
	return v, err
}

// streamOfSubject reads the stream a subject belongs to from the
// accord.stream property Accord mirrors into version responses; "" when
// the subject has no version or no stream.
func streamOfSubject(v versionDoc) string {
	var md struct {
		Properties map[string]string `json:"properties"`
	}
	_ = json.Unmarshal(v.Metadata, &md)
	return md.Properties["accord.stream"]
}
