package contracts

// Audit actions of stream changes, recorded by the Store in the
// transaction of the change. The subjects' compatibility levels a stream
// sets are recorded by the registry (config.update).
const (
	ActionStreamCreate   = "stream.create"
	ActionStreamUpdate   = "stream.update"
	ActionStreamDelete   = "stream.delete"
	ActionStreamTransfer = "stream.transfer"
	// ActionSubjectClaim: a principal became the only writer of a subject
	// of no stream (UnownedClaim).
	ActionSubjectClaim = "subject.claim"
	// ActionSubjectRelease: a claim ended because a stream was declared
	// over the subject.
	ActionSubjectRelease = "subject.claim_release"
)
