package registry

// Lists of subjects and versions are read a page at a time (Reader's
// SubjectPage and VersionPage, keyset pages in byte-wise order), so no
// request holds every subject of a large registry in memory: GET
// /subjects and GET /schemas stream their answers page by page, and the
// UI lists page.

// DeletedFilter says which subjects a subject list holds.
type DeletedFilter int

const (
	// LiveOnly lists subjects with a version that is not soft-deleted.
	LiveOnly DeletedFilter = iota
	// WithDeleted lists subjects with any version, soft-deleted or not.
	WithDeleted
	// DeletedOnly lists subjects whose every version is soft-deleted.
	DeletedOnly
)

// SubjectPageQuery selects one page of a context's subjects.
type SubjectPageQuery struct {
	Prefix  string // names start with it ("" : any)
	After   string // names sort after it byte-wise ("" : from the first)
	Deleted DeletedFilter
	// Offset names (of those the other fields select) are skipped before
	// the page, by the database: a deep Confluent offset costs one query,
	// not a page read per 500 names skipped.
	Offset int
	Limit  int // at most this many names (at least 1)
}

// VersionPageQuery selects one page of a context's versions, ordered by
// subject (byte-wise) then version.
type VersionPageQuery struct {
	Prefix string // subject names start with it
	// The page starts after (AfterSubject, AfterVersion); "" and 0: from
	// the first.
	AfterSubject   string
	AfterVersion   int
	IncludeDeleted bool
	// LatestOnly keeps each subject's highest version (among the live
	// ones unless IncludeDeleted).
	LatestOnly bool
	// Offset rows (of those the other fields select) are skipped before
	// the page, by the database: a deep GET /schemas offset costs one
	// query, not a page read per 500 versions skipped.
	Offset int
	Limit  int // at most this many rows (at least 1)
}

// ListPageSize is how many rows one store read of a streamed list
// fetches: what a listing request holds in memory at once.
const ListPageSize = 500
