package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// k8sDocs parses the manifests in kubernetes/ into generic documents.
func k8sDocs(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/kubernetes")
	}
	docs := map[string]map[string]any{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var d map[string]any
			if err := dec.Decode(&d); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			kind, _ := d["kind"].(string)
			name, _ := get(d, "metadata", "name").(string)
			if kind == "" || name == "" || d["apiVersion"] == nil {
				t.Fatalf("%s: a document without apiVersion, kind or metadata.name: %v", f, d)
			}
			docs[kind+"/"+name] = d
		}
	}
	return docs
}

// get walks a parsed YAML document.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// exposed reads the ports the Containerfile exposes.
func exposed(t *testing.T) map[string]bool {
	raw, err := os.ReadFile("../Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^EXPOSE (.+)$`).FindAllStringSubmatch(string(raw), -1) {
		for _, p := range strings.Fields(m[1]) {
			ports[p] = true
		}
	}
	return ports
}

func TestKubernetesManifests(t *testing.T) {
	docs := k8sDocs(t)
	dep := docs["Deployment/accord"]
	if dep == nil {
		t.Fatalf("no Deployment accord in %v", docs)
	}
	if n, _ := get(dep, "spec", "replicas").(int); n < 2 {
		t.Errorf("replicas = %v: the PostgreSQL deployment runs several", get(dep, "spec", "replicas"))
	}
	pod := get(dep, "spec", "template", "spec")
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Error("pods must run as non-root")
	}
	c := get(pod, "containers", 0)
	ports := map[string]int{}
	for _, p := range get(c, "ports").([]any) {
		ports[get(p, "name").(string)] = get(p, "containerPort").(int)
	}
	img := exposed(t)
	for name, want := range map[string]int{"http": 8081, "metrics": 9090} {
		if ports[name] != want {
			t.Errorf("container port %s = %d, want %d", name, ports[name], want)
		}
		if !img[strconv.Itoa(want)] {
			t.Errorf("port %d is not EXPOSEd by the Containerfile (%v)", want, img)
		}
	}
	env := map[string]any{}
	for _, e := range get(c, "env").([]any) {
		env[get(e, "name").(string)] = e
	}
	if get(env["ACCORD_DATABASE_URL"], "valueFrom", "secretKeyRef", "key") != "url" {
		t.Errorf("ACCORD_DATABASE_URL must come from a Secret: %v", env["ACCORD_DATABASE_URL"])
	}
	for k, want := range map[string]string{"ACCORD_ADDR": "0.0.0.0:8081", "ACCORD_METRICS_ADDR": "0.0.0.0:9090", "ACCORD_AUTH": "on"} {
		if got := get(env[k], "value"); got != want {
			t.Errorf("%s = %v, want %s", k, got, want)
		}
	}
	for probe, path := range map[string]string{"startupProbe": "/health/startup", "livenessProbe": "/health/live", "readinessProbe": "/health/ready"} {
		if got := get(c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path = %v, want %s", probe, got, path)
		}
		if got := get(c, probe, "httpGet", "port"); got != "http" {
			t.Errorf("%s port = %v, want the http port", probe, got)
		}
	}
	if got := get(dep, "spec", "template", "metadata", "annotations", "prometheus.io/port"); got != "9090" {
		t.Errorf("scrape annotation port = %v", got)
	}
	for _, svc := range []string{"Service/accord", "Service/accord-metrics"} {
		if docs[svc] == nil {
			t.Errorf("no %s", svc)
		}
	}
	if get(docs["Service/accord"], "spec", "ports", 0, "port") != 8081 {
		t.Errorf("Service accord does not serve 8081")
	}
	if get(docs["PodDisruptionBudget/accord"], "spec", "minAvailable") == nil {
		t.Errorf("no PodDisruptionBudget")
	}
}

// TestContainerfile checks what the deployment relies on: an empty base
// (the static binary needs nothing), a non-root user, the /data volume.
func TestContainerfile(t *testing.T) {
	raw, err := os.ReadFile("../Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	cf := string(raw)
	for _, want := range []string{"\nFROM scratch\n", "\nUSER 65532:65532\n", `VOLUME ["/data"]`, `ENTRYPOINT ["/accord"]`, "ACCORD_DATA_DIR=/data"} {
		if !strings.Contains(cf, want) {
			t.Errorf("the Containerfile lacks %q", strings.TrimSpace(want))
		}
	}
}

// definedMetrics lists the metric names package metrics defines (and the
// client library's own, which it registers).
func definedMetrics(t *testing.T) map[string]bool {
	files, _ := filepath.Glob("../metrics/*.go")
	names := map[string]bool{}
	re := regexp.MustCompile(`"((?:accord|kafka_schema_registry)_[a-z0-9_]+)"`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
			names[m[1]] = true
		}
	}
	for _, n := range []string{"go_sql_in_use_connections", "go_sql_open_connections", "go_sql_wait_count_total"} {
		names[n] = true
	}
	return names
}

// usedMetrics finds metric names in PromQL text.
func usedMetrics(text string) []string {
	re := regexp.MustCompile(`\b((?:accord|kafka_schema_registry|go_sql)_[a-z0-9_]+)`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		name := m[1]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if strings.HasSuffix(name, suffix) && !strings.HasPrefix(name, "kafka_schema_registry_") {
				name = strings.TrimSuffix(name, suffix)
			}
		}
		out = append(out, name)
	}
	return out
}

func TestAlertRulesUseExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr, For string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	defined := definedMetrics(t)
	alerts := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			if r.Expr == "" {
				t.Errorf("%s has no expression", r.Alert)
			}
			for _, m := range usedMetrics(r.Expr) {
				if !defined[m] {
					t.Errorf("%s uses %s, which Accord does not export", r.Alert, m)
				}
			}
		}
	}
	for _, want := range []string{"AccordHighErrorRatio", "AccordHighLatencyP99", "AccordDatabaseDown", "AccordChangeFeedDown", "AccordRefusalsSpike"} {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

func TestGrafanaDashboardUsesExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	if len(dash.Panels) < 10 {
		t.Fatalf("%d panels", len(dash.Panels))
	}
	defined := definedMetrics(t)
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range usedMetrics(tg.Expr) {
				if !defined[m] {
					t.Errorf("panel %q uses %s, which Accord does not export", p.Title, m)
				}
			}
		}
	}
}
