package contracts

import "strings"

// pastTense reports whether a lower-case word reads as a past-tense verb
// or participle: regular (-ed) or one of the common irregular ones.
func pastTense(w string) bool {
	if len(w) > 3 && strings.HasSuffix(w, "ed") && !notPastTense[w] {
		return true
	}
	return irregularPast[w]
}

// notPastTense are -ed words that are not verbs in the past.
var notPastTense = setOf("need", "seed", "feed", "speed", "breed", "bed", "red", "shed", "embed", "hundred", "sacred", "naked", "wicked")

var irregularPast = setOf(
	"arose", "awoke", "became", "began", "begun", "bent", "bound", "bought", "brought", "broke", "broken", "built",
	"came", "caught", "chose", "chosen", "cut", "dealt", "did", "done", "drew", "drawn", "drove", "driven",
	"fell", "fallen", "felt", "fought", "found", "fled", "flew", "flown", "forgot", "forgotten", "froze", "frozen",
	"gave", "given", "got", "gotten", "grew", "grown", "had", "heard", "held", "hid", "hidden", "hit", "hung",
	"kept", "knew", "known", "laid", "led", "left", "lent", "let", "lit", "lost", "made", "meant", "met",
	"paid", "put", "quit", "ran", "read", "rode", "ridden", "rose", "risen", "said", "sat", "saw", "seen",
	"sent", "set", "shook", "shot", "shut", "sold", "spent", "split", "spoke", "spoken", "spun", "stood",
	"stole", "stolen", "struck", "swept", "took", "taken", "taught", "thought", "threw", "thrown", "told",
	"torn", "undid", "undone", "understood", "upset", "woke", "woken", "won", "wore", "worn", "withdrew",
	"withdrawn", "wrote", "written", "reset", "rebuilt", "resent", "resold", "overpaid", "prepaid", "withheld",
)

// eventSuffixes are words that often end event names without being part
// of the verb phrase (OrderShippedEvent, order_shipped_v2).
var eventSuffixes = setOf("event", "evt", "message", "msg", "record", "payload", "envelope")

// linkWords name fields that point elsewhere.
var linkWords = setOf("url", "urls", "uri", "uris", "link", "links", "href", "hrefs", "permalink")

// linkFormats are JSON Schema formats of references.
var linkFormats = setOf("uri", "uri-reference", "iri", "iri-reference", "uri-template", "url")

// howWhyWords name enums that say how or why something happened rather
// than what state it is in.
var howWhyWords = setOf("reason", "reasons", "cause", "why", "how", "method", "channel", "source", "origin",
	"trigger", "triggered", "via", "action", "change", "operation", "op", "initiator", "initiated", "mechanism")

// timeWords name fields that carry when an observation was made.
var timeWords = setOf("time", "timestamp", "ts", "at", "when", "observed", "measured", "recorded", "date", "datetime", "instant")

// timeLogical are logical types and formats of instants.
var timeLogical = setOf("timestamp-millis", "timestamp-micros", "timestamp-nanos", "local-timestamp-millis",
	"local-timestamp-micros", "date-time", "google.protobuf.Timestamp")

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
