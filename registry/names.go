package registry

import (
	"strings"
	"unicode/utf8"
)

// DefaultContext is the context of unqualified subjects.
const DefaultContext = "."

// Name is a subject qualified by its context. Confluent clients write a
// subject in a non-default context as ":.ctx:subject".
type Name struct {
	Context string
	Subject string
}

// ParseName splits a possibly qualified subject (":.ctx:name") into context
// and subject. An unqualified name is in the default context. A context-only
// name (":.ctx:") has an empty Subject.
func ParseName(s string) Name {
	if strings.HasPrefix(s, ":.") {
		if i := strings.Index(s[1:], ":"); i >= 0 {
			ctx, subj := s[1:1+i], s[2+i:]
			if ctx == "" {
				ctx = DefaultContext
			}
			return Name{Context: ctx, Subject: subj}
		}
	}
	return Name{Context: DefaultContext, Subject: s}
}

// String renders the name as clients see it: qualified unless in the
// default context.
func (n Name) String() string {
	if n.Context == DefaultContext || n.Context == "" {
		return n.Subject
	}
	return ":" + n.Context + ":" + n.Subject
}

// validSubject rejects names no client can address: empty, not UTF-8, or
// with control characters.
func validSubject(s string) bool {
	if s == "" || len(s) > 1024 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// validContext reports whether c may hold subjects: .__GLOBAL holds only
// settings (see GlobalContext).
func validContext(c string) bool {
	return c == DefaultContext || (c != GlobalContext && strings.HasPrefix(c, ".") && validSubject(c) && !strings.Contains(c, ":"))
}
