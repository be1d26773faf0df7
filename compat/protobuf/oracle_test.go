package protobuf

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oracleDisagreements explains, case by case, every pair where Accord's
// BACKWARD verdict differs from `buf breaking` with the WIRE rules (recorded
// in testdata/breaking/verdicts.tsv by testdata/oracle.sh). Accord follows
// Confluent Schema Registry, whose verdicts the conformance test pins; buf
// judges wire safety in both directions and hygiene such as reserving
// deleted numbers. A case listed here that starts agreeing fails the test,
// so the list stays true.
var oracleDisagreements = map[string]string{
	// bytes -> string: buf fears UTF-8 validation of proto3 strings; Confluent
	// (and the protobuf guide) group string and bytes as one encoding.
	"016-scalar-bytes-to-string": sameGroupStringBytes,
	// int32/uint64 <-> enum and enum -> another enum: all varints; Confluent
	// treats an enum as a general number (conformance cases 12 and 13), buf
	// flags any type change that involves an enum.
	"026-scalar-int32-to-enum":      enumIsVarint,
	"027-scalar-enum-to-int32":      enumIsVarint,
	"028-scalar-enum-to-uint64":     enumIsVarint,
	"030-scalar-enum-to-other-enum": enumIsVarint,
	"101-enum-renamed-in-field":     enumIsVarint,
	// Field deleted without reserving its number: readers skip the field as
	// unknown, so data stays readable (conformance case 7); buf wants the
	// number reserved. Accord's FIELD_REMOVED message asks for the
	// reservation, and transitive checks catch a later reuse.
	"036-field-removed":                 unreservedDelete,
	"040-field-removed-optional-proto2": unreservedDelete,
	"041-field-removed-last-field":      unreservedDelete,
	"049-field-number-changed":          unreservedDelete + " (a renumbering is a delete plus an add, conformance case 9)",
	"060-nested-field-removed":          unreservedDelete,
	"085-oneof-deleted-with-fields":     unreservedDelete + " (a whole oneof deleted with its members is compatible in Confluent)",
	// Message removed or renamed: data naming the message by its index path
	// or name cannot be read (Confluent MESSAGE_REMOVED, conformance case
	// 37); buf has no WIRE rule about messages.
	"051-message-renamed":        messageRemoved,
	"052-message-removed-unused": messageRemoved,
	"053-message-removed-nested": messageRemoved,
	// Singular <-> repeated for length-delimited types: a repeated reader
	// collects the single value, a singular one keeps the last (Confluent
	// FIELD_STRING_OR_BYTES_LABEL_CHANGED, conformance cases 29-31); buf's
	// cardinality rule rejects it.
	"067-label-singular-to-repeated-string":  lengthDelimitedLabel,
	"068-label-optional-to-repeated-bytes":   lengthDelimitedLabel,
	"069-label-repeated-to-singular-string":  lengthDelimitedLabel,
	"070-label-singular-to-repeated-message": lengthDelimitedLabel,
	"071-label-repeated-to-singular-message": lengthDelimitedLabel,
	// Oneof membership that does not make independent fields exclusive:
	// buf's FIELD_SAME_ONEOF rejects any change; Confluent accepts a single
	// field moving into a new oneof, fields moving out and renames
	// (conformance cases 21, 46, 52).
	"080-oneof-new-with-one-field":   oneofRelaxed,
	"083-oneof-field-moved-out":      oneofRelaxed,
	"084-oneof-all-fields-moved-out": oneofRelaxed,
	"088-oneof-renamed":              oneofRelaxed,
	// A member removed from a surviving oneof: data that set it reads as no
	// member set. Confluent's ONEOF_FIELD_REMOVED is incompatible whatever
	// is reserved (conformance case 20); buf only wants the number reserved.
	"087-oneof-field-removed-reserved": "Confluent rejects removing a member of a surviving oneof even when reserved",
	// Enum value removed or renumbered: the number survives as an unknown
	// enum value (ENUM_CONST_REMOVED is compatible in Confluent); buf wants
	// the number reserved.
	"095-enum-value-removed":               unreservedEnumDelete,
	"098-enum-value-renumbered":            unreservedEnumDelete,
	"102-enum-nested-value-removed":        unreservedEnumDelete,
	"103-enum-closed-value-removed-proto2": unreservedEnumDelete,
	// map<K,V> -> repeated entry message: the same bytes, but Confluent
	// compares kinds (map versus message) and reports FIELD_KIND_CHANGED.
	"110-map-to-repeated-entry": "Confluent reports FIELD_KIND_CHANGED for map <-> message although the encoding is the same",
	// Renaming a map field renames its synthetic entry message; buf reads
	// that as a type change, Confluent compares key and value types only.
	"111-map-renamed": "buf sees the synthetic entry message renamed; keys and values are unchanged",
	// Reserved ranges and names do not affect data; buf protects them from
	// deletion as hygiene.
	"135-reserved-range-removed": reservedHygiene,
	"136-reserved-name-removed":  reservedHygiene,
}

// Reasons shared by several cases above.
const (
	sameGroupStringBytes = "string and bytes share one encoding (Confluent STRING_OR_BYTES group)"
	enumIsVarint         = "an enum travels as a varint like int32/int64/uint32/uint64/bool (Confluent GENERAL_NUMBER group)"
	unreservedDelete     = "deleting a field keeps old data readable (Confluent FIELD_REMOVED is compatible); buf requires reserving the number"
	messageRemoved       = "Confluent rejects MESSAGE_REMOVED: indexes and names in the data stop resolving"
	lengthDelimitedLabel = "singular <-> repeated is compatible for string, bytes and messages in Confluent"
	oneofRelaxed         = "the change makes no independent fields mutually exclusive (compatible in Confluent)"
	unreservedEnumDelete = "a removed enum value reads as an unknown value (Confluent ENUM_CONST_REMOVED is compatible); buf requires reserving it"
	reservedHygiene      = "reserved ranges and names carry no data; buf forbids deleting them as hygiene"
)

func TestOracle(t *testing.T) {
	f, err := os.Open("testdata/breaking/verdicts.tsv")
	if err != nil {
		t.Fatalf("recorded oracle verdicts are required: %v", err)
	}
	defer f.Close()
	type verdict struct{ wire, rules string }
	recorded := map[string]verdict{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			t.Fatalf("bad verdicts line %q", line)
		}
		recorded[cols[0]] = verdict{wire: cols[1], rules: cols[3]}
	}
	entries, err := os.ReadDir("testdata/breaking")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join("testdata/breaking", e.Name()))
		}
	}
	if len(dirs) < 100 {
		t.Fatalf("corpus has %d pairs, want at least 100", len(dirs))
	}
	agree := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			v, ok := recorded[name]
			if !ok {
				t.Fatalf("no recorded verdict: run testdata/oracle.sh")
			}
			oldText, err := os.ReadFile(filepath.Join(dir, "old.proto"))
			if err != nil {
				t.Fatal(err)
			}
			newText, err := os.ReadFile(filepath.Join(dir, "new.proto"))
			if err != nil {
				t.Fatal(err)
			}
			old, upd := mustParse(t, string(oldText)), mustParse(t, string(newText))
			diffs := upd.CompatibleWith(old)
			accord := "compatible"
			if len(diffs) > 0 {
				accord = "breaking"
			}
			reason, explained := oracleDisagreements[name]
			switch {
			case accord == v.wire && explained:
				t.Errorf("Accord now agrees with buf (%s); drop the explanation %q", accord, reason)
			case accord == v.wire:
				agree++
			case !explained:
				var all []string
				for _, c := range Diff(old, upd) {
					all = append(all, c.Type+"@"+c.Location)
				}
				t.Errorf("Accord says %s, buf WIRE says %s (%s); Accord changes %v", accord, v.wire, v.rules, all)
			}
		})
	}
	t.Logf("oracle: Accord agrees with buf WIRE on %d/%d pairs", agree, len(dirs))
}
