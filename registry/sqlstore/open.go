package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/accord/accord/migrations"
	"github.com/accord/accord/registry"
)

// FileName is the SQLite database file inside the data directory.
const FileName = "accord.db"

// Store is a registry.Store on SQLite or PostgreSQL. It is safe for
// concurrent use.
type Store struct {
	reader // reads outside transactions

	d      *dialect
	db     *sql.DB // transactions; on SQLite a single connection
	readDB *sql.DB // reads outside transactions; the same pool as db on PostgreSQL
	ids    *sql.DB // PostgreSQL: allocates schema ids outside the registrations' transactions (ids.go); nil on SQLite
	dsn    string  // PostgreSQL URL, for the Watch connection
	id     string  // this instance, named in NOTIFY payloads
	log    *slog.Logger
	dl     deadlines // of every database call (deadline.go)
	obs    Observer  // nil: none

	// known are the contexts whose row is committed (contexts.go).
	known knownContexts

	// counters mirrors the change counters on SQLite, whose database
	// this Store alone writes (see Changes).
	counters counters
	// group queues SQLite's writers for group commit (group.go);
	// ungrouped (set by benchmarks) commits each write on its own.
	group     groupCommit
	ungrouped bool
	// stmts are the writer's prepared statements on SQLite; nil on
	// PostgreSQL (stmts.go).
	stmts *stmtCache
	// readStmts are SubjectState's statements on SQLite's read pool
	// (subject.go).
	readStmts readStmts

	closing   context.Context // ends when Close is called; stops Watch
	close     context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

var _ registry.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	logger      *slog.Logger
	maxConns    int
	busyTimeout time.Duration
	timeout     time.Duration
	observer    Observer
	tracer      pgx.QueryTracer
}

// WithTimeout sets the deadline of each database call: opening a
// connection, one statement (a query until its rows are read), a ping; a
// transaction may take twice as long (default DefaultTimeout). A stalled
// database then fails calls with context.DeadlineExceeded instead of
// hanging them. Contexts marked by WithoutDeadline are exempt.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithMaxConns bounds the connection pool: all connections on PostgreSQL,
// the read connections on SQLite (which always writes through one).
// The default is 4 × GOMAXPROCS, at least 8.
func WithMaxConns(n int) Option {
	return func(o *options) { o.maxConns = n }
}

// WithBusyTimeout sets how long a SQLite writer waits for another process
// holding the database before the attempt fails and is retried
// (default 5s). Ignored on PostgreSQL.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busyTimeout = d }
}

// WithQueryTracer installs t on every PostgreSQL connection the store
// opens: it sees each statement sent,
// BEGIN and COMMIT included, so a benchmark can count the round trips of
// an operation. Ignored on SQLite.
func WithQueryTracer(t pgx.QueryTracer) Option {
	return func(o *options) { o.tracer = t }
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store named by dsn and brings its schema up to date: a
// postgres:// or postgresql:// URL selects PostgreSQL; anything else is a
// data directory, created if missing, holding the SQLite file accord.db.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{
		logger:      slog.Default(),
		maxConns:    max(8, 4*runtime.GOMAXPROCS(0)),
		busyTimeout: 5 * time.Second,
		timeout:     DefaultTimeout,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if dsn == "" {
		return nil, errors.New("sqlstore: open: empty data directory or database URL")
	}
	var (
		s   *Store
		err error
	)
	if IsPostgresURL(dsn) {
		s, err = openPostgres(ctx, dsn, o)
	} else {
		s, err = openSQLite(ctx, dsn, o)
	}
	if err != nil {
		return nil, err
	}
	// Migrations may rewrite large tables: no call deadline.
	if err := migrate(WithoutDeadline(ctx), s.db, s.d, s.log, 0); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	return s, nil
}

func newStore(d *dialect, db, readDB *sql.DB, dsn string, o options) (*Store, error) {
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("sqlstore: instance id: %w", err)
	}
	closing, cancel := context.WithCancel(context.Background())
	s := &Store{
		reader:  reader{q: boundedQuerier{db: readDB, d: newDeadlines(o.timeout)}, d: d, o: o.observer},
		d:       d,
		db:      db,
		readDB:  readDB,
		dsn:     dsn,
		id:      hex.EncodeToString(raw[:]),
		log:     o.logger.With("component", "sqlstore", "engine", d.name),
		dl:      newDeadlines(o.timeout),
		obs:     o.observer,
		closing: closing,
		close:   cancel,
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string, o options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres %s: %w", redact(dsn), err)
	}
	dl := newDeadlines(o.timeout)
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > dl.call {
		cfg.ConnectTimeout = dl.call
	}
	if o.tracer != nil {
		cfg.Tracer = o.tracer
	}
	db := sql.OpenDB(deadlineConnector{inner: stdlib.GetConnector(*cfg), d: dl})
	db.SetMaxOpenConns(o.maxConns)
	db.SetMaxIdleConns(o.maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlstore: connect to postgres %s: %w", redact(dsn), err)
	}
	s, err := newStore(newDialect(migrations.Postgres), db, db, dsn, o)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.ids = openIDAllocator(cfg, dl)
	return s, nil
}

func openSQLite(ctx context.Context, dir string, o options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlstore: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlstore: data directory %q: '?' is not allowed in the path", dir)
	}
	// The driver applies these to every connection it opens. WAL lets
	// readers run beside the writer; synchronous=FULL makes each commit
	// durable before it returns.
	base := path + "?_busy_timeout=" + fmt.Sprint(o.busyTimeout.Milliseconds()) +
		"&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL"

	// Writes go through one connection whose transactions start with BEGIN
	// IMMEDIATE, so they queue in the pool instead of failing on the
	// database lock; another process waits on the busy timeout.
	dl := newDeadlines(o.timeout)
	// temp_store=memory: the group commit's SAVEPOINTs (group.go) keep
	// each page's prior content in a sub-journal, which SQLite otherwise
	// spills to a temporary file once it passes 64 KiB: a write syscall
	// per page inside the single writer, about a fifth of its time. In
	// memory it is bounded by the pages one group (maxGroup writes)
	// touches.
	db, err := openSQLiteDB(base+"&_txlock=immediate&_pragma=temp_store(memory)", dl)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := pingSQLite(ctx, db, o.busyTimeout); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}

	readDB, err := openSQLiteDB(base+"&_query_only=1", dl)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	readDB.SetMaxOpenConns(o.maxConns)
	readDB.SetMaxIdleConns(o.maxConns)
	readDB.SetConnMaxIdleTime(5 * time.Minute)

	s, err := newStore(newDialect(migrations.SQLite), db, readDB, "", o)
	if err != nil {
		_ = readDB.Close()
		_ = db.Close()
		return nil, err
	}
	s.stmts = &stmtCache{db: db, timeout: dl.call}
	return s, nil
}

// openSQLiteDB opens a handle on dsn whose calls have deadlines.
func openSQLiteDB(dsn string, dl deadlines) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(deadlineConnector{inner: c, d: dl}), nil
}

// pingSQLite opens the first connection. Switching a fresh database to WAL
// needs an exclusive lock and SQLite does not wait on the busy timeout for
// it, so processes starting together retry here until the timeout.
func pingSQLite(ctx context.Context, db *sql.DB, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close stops Watch and closes the database connections.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.close()
		if s.stmts != nil {
			s.stmts.close()
		}
		s.readStmts.close()
		var errs []error
		if s.readDB != s.db {
			errs = append(errs, s.readDB.Close())
		}
		if s.ids != nil {
			errs = append(errs, s.ids.Close())
		}
		errs = append(errs, s.db.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlstore: close: %w", err)
		}
	})
	return s.closeErr
}

// redact hides the password of a database URL for error messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
