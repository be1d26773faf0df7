package ui

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/accord/accord/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func contextWithSession(ctx context.Context, s *sess) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// staticFiles serves the embedded assets under a content hash
// (/ui/static/<hash>/<file>): a changed file gets a new URL, so answers
// can be cached for a year.
type staticFiles struct {
	hash  map[string]string // file name → hash
	files map[string][]byte
	gz    map[string][]byte // gzipped, compressed once
}

func loadStatic() *staticFiles {
	s := &staticFiles{hash: map[string]string{}, files: map[string][]byte{}, gz: map[string][]byte{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		s.hash[e.Name()] = hex.EncodeToString(sum[:6])
		s.files[e.Name()] = b
		s.gz[e.Name()] = gzipBytes(b, gzip.BestCompression)
	}
	return s
}

// url returns the cache-busting URL of a static file.
func (s *staticFiles) url(name string) string {
	h, ok := s.hash[name]
	if !ok {
		panic("ui: no static file " + name) // a template bug, caught by the tests
	}
	return "/ui/static/" + h + "/" + name
}

var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name, hash := pathParamRaw(r, "file"), pathParamRaw(r, "hash")
	b, ok := h.static.files[name]
	if !ok || h.static.hash[name] != hash {
		h.errorPage(w, r, http.StatusNotFound, "There is no such file.")
		return
	}
	w.Header().Set("Content-Type", contentTypes[path.Ext(name)])
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	writeBody(w, r, http.StatusOK, b, h.static.gz[name])
}

// pageSet holds one template per page, each with the shared layout.
type pageSet map[string]*template.Template

var pageNames = []string{"login", "error", "streams", "stream", "diff", "lineage", "proposals", "proposal", "audit", "subjects", "schema", "contractless", "search"}

func loadPages(static *staticFiles) pageSet {
	funcs := template.FuncMap{
		"static": static.url,
		"add":    func(a, b int) int { return a + b },
		"esc":    url.PathEscape,
		// qesc escapes a query value and says so (template.URL): the
		// template's own escaping of a string in a query would escape the
		// '%'s again, and "a b" or ":.ctx:s" would arrive as "a+b" or
		// "%3A.ctx%3As". Nothing it returns can start a scheme.
		"qesc": func(s string) template.URL { return template.URL(url.QueryEscape(s)) },
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"isodate": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join":    strings.Join,
		"diffView": func(d Diff, left, right, view, fullURL string) diffView {
			return diffView{D: d, Left: left, Right: right, View: view, FullURL: fullURL}
		},
		"foldView": func(f *Fold, fullURL string) foldView { return foldView{F: f, URL: fullURL} },
		"eventTypeHelp": func(t any) string {
			return eventTypeHelp[fmt.Sprint(t)]
		},
	}
	ps := pageSet{}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html"))
	for _, n := range pageNames {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
		ps[n] = t
	}
	return ps
}

// diffView is what the "diff" template renders.
type diffView struct {
	D                 Diff
	Left, Right, View string
	// FullURL is the page with every unchanged line shown.
	FullURL string
}

// foldView is a fold row: the lines left out and where to see them.
type foldView struct {
	F   *Fold
	URL string
}

// navItem is a main navigation entry.
type navItem struct {
	Label, Href string
	Current     bool
	// Count is shown after the label (the pending proposals); 0 none.
	Count int
}

// layout is what every page's frame shows.
type layout struct {
	Title     string
	Nav       []navItem
	User      string
	Roles     string
	AuthOn    bool
	SignedIn  bool
	CSRF      string
	RequestID string
	Data      any
	// Wide pages (the lineage graph) use the window's whole width.
	Wide bool
}

// Permissions the navigation and pages share; nil principal means
// authentication is off, where everything is allowed.
func canAudit(p *auth.Principal) bool    { return p == nil || p.HasAny(auth.RoleAdmin, auth.RoleReviewer) }
func canSubjects(p *auth.Principal) bool { return p == nil || p.IsAdmin() }

func (h *handler) layout(r *http.Request, title, nav string, data any) layout {
	s := sessionFrom(r)
	l := layout{Title: title, AuthOn: h.opts.Auth != nil, Data: data, RequestID: requestID(r.Context())}
	if s.principal != nil {
		l.User, l.SignedIn = s.principal.Name, true
		roles := make([]string, len(s.principal.Roles))
		for i, ro := range s.principal.Roles {
			roles[i] = string(ro)
		}
		l.Roles = strings.Join(roles, ", ")
	}
	l.CSRF = h.csrfToken(s.csrfSubject())
	if nav == "" {
		return l
	}
	items := []navItem{{Label: "Streams", Href: "/ui/streams"}, {Label: "Lineage", Href: "/ui/lineage"}, {Label: "Proposals", Href: "/ui/proposals"}}
	if h.opts.Proposals != nil {
		// The count is a hint: a failure to read it leaves it out.
		if n, err := h.opts.Proposals.PendingCount(r.Context()); err == nil {
			items[2].Count = n
		}
	}
	if canAudit(s.principal) {
		items = append(items, navItem{Label: "Audit", Href: "/ui/audit"})
	}
	if canSubjects(s.principal) {
		items = append(items, navItem{Label: "Subjects", Href: "/ui/subjects"})
	}
	for i := range items {
		items[i].Current = items[i].Label == nav
	}
	l.Nav = items
	return l
}

// render executes a page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) {
	l := h.layout(r, title, nav, data)
	l.Wide = name == "lineage"
	h.renderLayout(w, r, status, name, l)
}

func (h *handler) renderLayout(w http.ResponseWriter, r *http.Request, status int, name string, l layout) {
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, l); err != nil {
		h.log.Error("ui: rendering", slog.String("page", name), slog.Any("err", err))
		if name != "error" {
			h.errorPage(w, r, http.StatusInternalServerError, "This page could not be shown; the error was logged with request id "+requestID(r.Context())+".")
		} else {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	writeBody(w, r, status, buf.Bytes(), nil)
}

type errorData struct {
	Status int
	Reason string
	Msg    string
	// Back is the UI page the user came from (same origin), "" none.
	Back string
}

// backLink returns the UI page a request came from, from its Referer when
// that is this server's /ui page (and not the failing page itself).
func backLink(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || !strings.HasPrefix(ref.Path, "/ui/") || ref.Path == "/ui/login" {
		return ""
	}
	if ref.Path == r.URL.Path && ref.RawQuery == r.URL.RawQuery {
		return ""
	}
	return ref.RequestURI()
}

func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	reason := http.StatusText(status)
	if reason == "" {
		reason = "Error"
	}
	nav := "-"
	if sessionFrom(r).principal == nil && h.opts.Auth != nil {
		nav = "" // not signed in: no navigation to pages it cannot see
	}
	l := h.layout(r, reason, nav, errorData{Status: status, Reason: reason, Msg: msg, Back: backLink(r)})
	h.renderLayout(w, r, status, "error", l)
}

func pathParamRaw(r *http.Request, name string) string {
	v, err := pathParam(r, name)
	if err != nil {
		return ""
	}
	return v
}

// keysetPage cuts a newest-first list asked for with Limit PageSize+1 to
// one page and returns the URL of the next one (this page's query with
// before=<the last id>), "" when there is none.
func keysetPage[T any](r *http.Request, items []T, id func(T) int64) ([]T, string) {
	if len(items) <= PageSize {
		return items, ""
	}
	items = items[:PageSize]
	q := r.URL.Query()
	q.Set("before", strconv.FormatInt(id(items[len(items)-1]), 10))
	return items, r.URL.Path + "?" + q.Encode()
}

func itoa(n int) string { return strconv.Itoa(n) }
