// Command seed prepares an Accord server for bench/run.sh's comparison
// profile: a service principal owning N streams, one distinct Avro schema
// registered (as that service) under each stream's value subject, and the
// files the wrk script (bench/profile.lua) draws its requests from, one
// line per schema, in the same order:
//
//	ids.txt       the schema's id
//	subjects.txt  its subject
//	lookup.txt    the registration body (for lookups)
//	compat.txt    a compatible evolution of it, as a body (for checks)
//	auth.txt      the service's Authorization header value
//
// It talks to the server only through its HTTP API, as a user would.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8081", "Accord's base URL")
	admin := flag.String("admin", "", "admin principal (empty: authentication is off)")
	adminPassFile := flag.String("admin-password-file", "", "file holding the admin's password")
	n := flag.Int("n", 1000, "schemas (and streams) to create")
	out := flag.String("out", ".", "folder to write the request files to")
	flag.Parse()

	c := client{base: *url}
	if *admin != "" {
		pw, err := os.ReadFile(*adminPassFile)
		if err != nil {
			log.Fatal(err)
		}
		c.auth = basic(*admin, strings.TrimSpace(string(pw)))
	}
	svc := c.auth
	if c.auth != "" {
		const pw = "bench-service-password-1"
		c.must("POST", "/v1/principals", map[string]any{"name": "bench-svc", "roles": []string{"service"}, "password": pw}, nil)
		svc = basic("bench-svc", pw)
	}
	owner := "bench-svc"
	ids, subjects, lookups, compats := make([]string, *n), make([]string, *n), make([]string, *n), make([]string, *n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				stream := fmt.Sprintf("bench-%04d", i)
				if c.auth != "" {
					c.must("POST", "/v1/streams", map[string]any{"name": stream, "owner": owner, "eventType": "measurement", "visibility": "public"}, nil)
				}
				subject := stream + "-value"
				schema := avroSchema(i, false)
				var reg struct{ ID int64 }
				as := c
				as.auth = svc
				as.must("POST", "/subjects/"+subject+"/versions", map[string]any{"schema": schema}, &reg)
				body, _ := json.Marshal(map[string]any{"schema": schema})
				evolved, _ := json.Marshal(map[string]any{"schema": avroSchema(i, true)})
				ids[i], subjects[i], lookups[i], compats[i] = fmt.Sprint(reg.ID), subject, string(body), string(evolved)
			}
		}()
	}
	for i := range *n {
		work <- i
	}
	close(work)
	wg.Wait()
	for name, lines := range map[string][]string{"ids.txt": ids, "subjects.txt": subjects, "lookup.txt": lookups, "compat.txt": compats, "auth.txt": {svc}} {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			log.Fatal(err)
		}
	}
}

// avroSchema is the i-th distinct schema: an order record of a dozen
// fields of every kind (about 700 bytes of JSON), its name and a field
// name numbered so that no two are alike; evolved adds an optional field
// (a backward-compatible change).
func avroSchema(i int, evolved bool) string {
	extra := ""
	if evolved {
		extra = `,{"name":"note","type":["null","string"],"default":null}`
	}
	return fmt.Sprintf(`{"type":"record","name":"Order%d","namespace":"com.acme.bench","fields":[`+
		`{"name":"id","type":"string"},{"name":"customer_%d","type":"string"},{"name":"amount","type":"double"},`+
		`{"name":"quantity","type":"int"},{"name":"created","type":{"type":"long","logicalType":"timestamp-millis"}},`+
		`{"name":"currency","type":{"type":"enum","name":"Currency%d","symbols":["EUR","USD","GBP"]}},`+
		`{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line%d","fields":[{"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}},`+
		`{"name":"tags","type":{"type":"map","values":"string"}},{"name":"paid","type":"boolean"},`+
		`{"name":"coupon","type":["null","string"],"default":null}%s]}`, i, i, i, i, extra)
}

type client struct{ base, auth string }

// must sends body as JSON and decodes a 2xx answer into into, or exits.
func (c client) must(method, path string, body, into any) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		log.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	if into != nil {
		if err := json.Unmarshal(msg, into); err != nil {
			log.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}
