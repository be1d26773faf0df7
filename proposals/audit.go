package proposals

// Audit actions, each appended by the Store in the transaction of its
// change. Their target is the subject (split from its context as the
// registry does), so GET /v1/audit?target=<subject> shows a subject's
// proposals with its versions. An approval's claim and its release are
// not audited: the decision that follows is.
const (
	ActionCreate   = "proposal.create"
	ActionApprove  = "proposal.approve"
	ActionReject   = "proposal.reject"
	ActionWithdraw = "proposal.withdraw"
)
