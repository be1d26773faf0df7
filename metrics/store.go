package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

var _ sqlstore.Observer = (*Server)(nil)

// Query implements sqlstore.Observer.
func (m *Server) Query(op string, d time.Duration, err error) {
	m.dbCalls.WithLabelValues(op).Observe(d.Seconds())
	if err != nil && err != sql.ErrNoRows {
		m.dbErrors.WithLabelValues(op).Inc()
	}
}

// Transaction implements sqlstore.Observer.
func (m *Server) Transaction(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.txDuration.WithLabelValues(result).Observe(d.Seconds())
}

// FeedUp implements sqlstore.Observer.
func (m *Server) FeedUp(up bool) {
	if up {
		m.feedUp.Set(1)
	} else {
		m.feedUp.Set(0)
	}
}

// FeedReconnect implements sqlstore.Observer.
func (m *Server) FeedReconnect() { m.feedReconn.Inc() }

// FeedLag implements sqlstore.Observer.
func (m *Server) FeedLag(d time.Duration) { m.feedLag.Observe(max(d, 0).Seconds()) }

// Pools exports database/sql pool statistics (open, in use, idle
// connections, waits) of each named pool, labelled db_name.
func (m *Server) Pools(pools map[string]*sql.DB) {
	for name, db := range pools {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
}

// CacheStats exports hit and miss counts of caches read on scrape, as
// accord_cache_hits_total{cache} and accord_cache_misses_total{cache}.
// stats is called on each scrape and must be cheap (atomic loads).
func (m *Server) CacheStats(stats func() []registry.CacheStat) {
	m.reg.MustRegister(&cacheCollector{stats: stats})
}

var (
	cacheHitsDesc   = prometheus.NewDesc("accord_cache_hits_total", "Cache lookups that found their entry, by cache.", []string{"cache"}, nil)
	cacheMissesDesc = prometheus.NewDesc("accord_cache_misses_total", "Cache lookups that did not, by cache.", []string{"cache"}, nil)
)

type cacheCollector struct{ stats func() []registry.CacheStat }

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheHitsDesc
	ch <- cacheMissesDesc
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(cacheHitsDesc, prometheus.CounterValue, float64(s.Hits), s.Name)
		ch <- prometheus.MustNewConstMetric(cacheMissesDesc, prometheus.CounterValue, float64(s.Misses), s.Name)
	}
}

// DefaultCountsTTL is how long counts read from the database are reused:
// a scrape, however frequent, costs the database at most one set of
// aggregate queries per TTL.
const DefaultCountsTTL = 10 * time.Second

// Counts exports what the store holds, read by counts at most once per
// m.CountsTTL: accord_schemas, accord_subjects, accord_streams,
// accord_proposals_pending, kafka_schema_registry_node_count, and
// Confluent's registered and deleted counts (in total and by schema type).
// When counts fails the previous values stay and
// accord_counts_errors_total grows.
func (m *Server) Counts(counts func(context.Context) (sqlstore.Counts, error), log *slog.Logger) {
	c := &countsCollector{read: counts, log: log, ttl: func() time.Duration { return m.CountsTTL }}
	c.errors = prometheus.NewCounter(prometheus.CounterOpts{Name: "accord_counts_errors_total", Help: "Failures reading the counts exported on scrape from the database."})
	m.reg.MustRegister(c, c.errors)
}

var (
	schemasDesc    = prometheus.NewDesc("accord_schemas", "Distinct schemas (ids) in every context.", nil, nil)
	subjectsDesc   = prometheus.NewDesc("accord_subjects", "Subjects with at least one live version.", nil, nil)
	streamsDesc    = prometheus.NewDesc("accord_streams", "Streams (contracts).", nil, nil)
	proposalsDesc  = prometheus.NewDesc("accord_proposals_pending", "Proposals awaiting review.", nil, nil)
	nodesDesc      = prometheus.NewDesc("kafka_schema_registry_node_count", "Accord replicas sharing this database (those listening to its change feed; 1 on SQLite).", nil, nil)
	registeredDesc = prometheus.NewDesc("kafka_schema_registry_registered_count", "Subject versions registered and still stored, soft-deleted included (Confluent's registered-count).", nil, nil)
	deletedDesc    = prometheus.NewDesc("kafka_schema_registry_deleted_count", "Subject versions soft-deleted (Confluent's deleted-count; permanently deleted ones are gone).", nil, nil)
	createdDesc    = prometheus.NewDesc("kafka_schema_registry_schemas_created", "Subject versions registered and still stored, by schema type (Confluent's schemas-created).", []string{"schema_type"}, nil)
	typeDelDesc    = prometheus.NewDesc("kafka_schema_registry_schemas_deleted", "Subject versions soft-deleted, by schema type (Confluent's schemas-deleted).", []string{"schema_type"}, nil)
)

type countsCollector struct {
	read   func(context.Context) (sqlstore.Counts, error)
	log    *slog.Logger
	errors prometheus.Counter
	ttl    func() time.Duration

	mu   sync.Mutex
	last sqlstore.Counts
	at   time.Time
	ok   bool
}

func (c *countsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{schemasDesc, subjectsDesc, streamsDesc, proposalsDesc, nodesDesc, registeredDesc, deletedDesc, createdDesc, typeDelDesc} {
		ch <- d
	}
}

func (c *countsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) >= c.ttl() {
		n, err := c.read(context.Background())
		c.at = time.Now()
		if err != nil {
			c.errors.Inc()
			if c.log != nil {
				c.log.Warn("metrics: reading counts", slog.Any("err", err))
			}
		} else {
			c.last, c.ok = n, true
		}
	}
	n, ok := c.last, c.ok
	c.mu.Unlock()
	if !ok {
		return
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	gauge(schemasDesc, n.Schemas)
	gauge(subjectsDesc, n.Subjects)
	gauge(streamsDesc, n.Streams)
	gauge(proposalsDesc, n.ProposalsPending)
	gauge(nodesDesc, n.Replicas)
	var total, deleted int64
	for _, typ := range []string{"AVRO", "PROTOBUF", "JSON"} {
		gauge(createdDesc, n.Versions[typ], typ)
		gauge(typeDelDesc, n.DeletedVersions[typ], typ)
	}
	for typ, v := range n.Versions {
		total += v
		deleted += n.DeletedVersions[typ]
	}
	gauge(registeredDesc, total)
	gauge(deletedDesc, deleted)
}
