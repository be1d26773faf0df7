package api_test

// Two Accord servers on one database, many writers at once: ids and
// version numbers come from the database, so they must come out unique
// and gap-free whichever server a request reaches.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/registry/sqlstore"
)

func TestConcurrentRegistration(t *testing.T) {
	const (
		workers   = 8
		perWorker = 6 // distinct schemas each
		subjects  = 4
		shared    = 3 // schemas every worker registers too
	)
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		servers := []*server{startServer(t, target, api.Options{}), startServer(t, target, api.Options{})}
		// Unrelated records follow each other in a subject: no compatibility.
		servers[0].ok("PUT", "/config", map[string]string{"compatibility": "NONE"}, nil)

		type result struct {
			subject, schema string
			id, version     int
		}
		var (
			mu      sync.Mutex
			results []result
			wg      sync.WaitGroup
		)
		register := func(s *server, subject, schema string) {
			r, err := s.send("POST", "/subjects/"+url.PathEscape(subject)+"/versions", schemaBody(schema))
			if err != nil {
				t.Error(err)
				return
			}
			if r.Status != 200 {
				t.Errorf("registering in %s: %s", subject, r)
				return
			}
			var out struct{ ID, Version int }
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Errorf("registering in %s: %s: %v", subject, r.Body, err)
				return
			}
			mu.Lock()
			results = append(results, result{subject, schema, out.ID, out.Version})
			mu.Unlock()
		}
		sharedSchema := func(k int) string {
			return avroRecord(fmt.Sprintf("Shared%d", k), `{"name":"s","type":"string"}`)
		}
		start := make(chan struct{})
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range perWorker {
					// Each subject gets writes through both servers.
					s := servers[w%len(servers)]
					subject := fmt.Sprintf("s%d", (w+i)%subjects)
					register(s, subject, avroRecord(fmt.Sprintf("W%dI%d", w, i), `{"name":"f","type":"int"}`))
					if i < shared {
						// The same schema from every worker: once into one
						// subject for all, once into the worker's own subject.
						register(servers[w%len(servers)], fmt.Sprintf("shared%d", i), sharedSchema(i))
						register(servers[(w+1)%len(servers)], fmt.Sprintf("s%d", w%subjects), sharedSchema(i))
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			return
		}

		// Ids: one per schema, never two schemas under one id.
		idOf := map[string]int{}
		schemaOf := map[int]string{}
		for _, r := range results {
			if id, ok := idOf[r.schema]; ok && id != r.id {
				t.Errorf("one schema got ids %d and %d", id, r.id)
			}
			idOf[r.schema] = r.id
			if s, ok := schemaOf[r.id]; ok && s != r.schema {
				t.Errorf("id %d was given to two schemas:\n%s\n%s", r.id, s, r.schema)
			}
			schemaOf[r.id] = r.schema
		}
		if want := workers*perWorker + shared; len(idOf) != want {
			t.Errorf("%d schemas registered, %d ids handed out", want, len(idOf))
		}

		// Versions: per subject one version per distinct schema, numbered
		// 1..N; the same schema always answered with the same version.
		versionOf := map[string]map[string]int{} // subject -> schema -> version
		for _, r := range results {
			m := versionOf[r.subject]
			if m == nil {
				m = map[string]int{}
				versionOf[r.subject] = m
			}
			if v, ok := m[r.schema]; ok && v != r.version {
				t.Errorf("%s: one schema answered with versions %d and %d", r.subject, v, r.version)
			}
			m[r.schema] = r.version
		}
		// A server that has cached nothing reads what the database holds.
		fresh := startServer(t, target, api.Options{})
		var subjectNames []string
		for subject, m := range versionOf {
			subjectNames = append(subjectNames, subject)
			var answered []int
			for _, v := range m {
				answered = append(answered, v)
			}
			sort.Ints(answered)
			want := make([]int, len(m))
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(answered, want) {
				t.Errorf("%s: versions answered %v, want %v (no gaps, no duplicates)", subject, answered, want)
			}
			var stored []int
			fresh.ok("GET", "/subjects/"+subject+"/versions", nil, &stored)
			if !slices.Equal(stored, want) {
				t.Errorf("%s: versions stored %v, want %v", subject, stored, want)
			}
			for schema, v := range m {
				var got struct{ ID int }
				fresh.ok("GET", "/subjects/"+subject+"/versions/"+strconv.Itoa(v), nil, &got)
				if got.ID != idOf[schema] {
					t.Errorf("%s version %d holds id %d, was answered %d", subject, v, got.ID, idOf[schema])
				}
			}
		}

		// Every id reads back, from every server.
		for id, schema := range schemaOf {
			for i, s := range append(servers, fresh) {
				text := s.ok("GET", "/schemas/ids/"+strconv.Itoa(id)+"/schema", nil, nil).Body
				if !jsonEqual(t, string(text), schema) {
					t.Errorf("server %d: id %d reads %s, want %s", i, id, text, schema)
				}
			}
		}

		// Both servers converge on what the database holds: at once for
		// what they did not cache, within the change feed's delay on
		// PostgreSQL otherwise. SQLite has no change feed between processes
		// (the store's Watch returns at once), so there only the fresh
		// server's view is checked above.
		if !sqlstore.IsPostgresURL(target) {
			return
		}
		sort.Strings(subjectNames)
		var want string
		for _, subject := range subjectNames {
			want += subject + ":" + string(fresh.ok("GET", "/subjects/"+subject+"/versions", nil, nil).Body) + ";"
		}
		for i, s := range servers {
			deadline := time.Now().Add(5 * time.Second)
			for {
				var got string
				for _, subject := range subjectNames {
					got += subject + ":" + string(s.ok("GET", "/subjects/"+subject+"/versions", nil, nil).Body) + ";"
				}
				if got == want {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("server %d still serves %s, the database holds %s", i, got, want)
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
}
