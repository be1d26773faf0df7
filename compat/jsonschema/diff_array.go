package jsonschema

import "strconv"

// array compares two array schemas: the items schema, tuple items,
// additional and unevaluated items, then size, uniqueness and contains
// limits.
func (d *differ) array(out *[]Change, o, u *node) {
	d.compare(out, "items", o.allItems, u.allItems)
	d.tuple(out, o, u)
	kw := o.addItemsKW
	if o.addItems == (openness{}) {
		kw = u.addItemsKW
	}
	d.rest(out, kw, o.addItems, u.addItems,
		AdditionalItemsAdded, AdditionalItemsRemoved, AdditionalItemsExtended, AdditionalItemsNarrowed)
	d.unevaluated(out, "unevaluatedItems", o.unevalItems, u.unevalItems,
		UnevaluatedItemsAdded, UnevaluatedItemsRemoved, UnevaluatedItemsExtended, UnevaluatedItemsNarrowed)
	bound(out, "maxItems", o.maxItems, u.maxItems, MaxItemsAdded, MaxItemsRemoved, MaxItemsIncreased, MaxItemsDecreased)
	bound(out, "minItems", o.minItems, u.minItems, MinItemsAdded, MinItemsRemoved, MinItemsIncreased, MinItemsDecreased)
	if o.unique != u.unique {
		if o.unique {
			add(out, "uniqueItems", UniqueItemsRemoved)
		} else {
			add(out, "uniqueItems", UniqueItemsAdded)
		}
	}
	bound(out, "maxContains", o.maxContains, u.maxContains, MaxContainsAdded, MaxContainsRemoved, MaxContainsIncreased, MaxContainsDecreased)
	bound(out, "minContains", o.minContains, u.minContains, MinContainsAdded, MinContainsRemoved, MinContainsIncreased, MinContainsDecreased)
}

// tuple compares positional items: those both have pairwise, then those
// only the writer had (judged by the reader's content model), then those
// only the reader has (judged by the writer's).
func (d *differ) tuple(out *[]Change, o, u *node) {
	kw := o.tupleKW
	if len(o.tuple) == 0 {
		kw = u.tupleKW
	}
	n := min(len(o.tuple), len(u.tuple))
	for i := 0; i < n; i++ {
		d.compare(out, kw+"/"+strconv.Itoa(i), o.tuple[i], u.tuple[i])
	}
	for i := n; i < len(o.tuple); i++ {
		path := kw + "/" + strconv.Itoa(i)
		switch rest := partialArray(u); {
		case isOpenArray(u):
			add(out, path, ItemRemovedFromOpenContentModel)
		case rest != nil:
			sub, ok := d.trial(path, o.tuple[i], rest)
			*out = append(*out, sub...)
			if ok {
				add(out, path, ItemRemovedIsCoveredByPartiallyOpenContentModel)
			} else {
				add(out, path, ItemRemovedNotCoveredByPartiallyOpenContentModel)
			}
		case deref(o.tuple[i]).kind == kindFalse:
			add(out, path, ItemWithFalseRemovedFromClosedContentModel)
		default:
			add(out, path, ItemRemovedFromClosedContentModel)
		}
	}
	for i := n; i < len(u.tuple); i++ {
		path := kw + "/" + strconv.Itoa(i)
		switch rest := partialArray(o); {
		case isOpenArray(o):
			if deref(u.tuple[i]).kind == kindEmpty {
				add(out, path, ItemWithEmptySchemaAddedToOpenContentModel)
			} else {
				add(out, path, ItemAddedToOpenContentModel)
			}
		case rest != nil:
			sub, ok := d.trial(path, rest, u.tuple[i])
			*out = append(*out, sub...)
			if ok {
				add(out, path, ItemAddedIsCoveredByPartiallyOpenContentModel)
			} else {
				add(out, path, ItemAddedNotCoveredByPartiallyOpenContentModel)
			}
		default:
			add(out, path, ItemAddedToClosedContentModel)
		}
	}
}

// isOpenArray: items past the tuple are accepted with any value.
func isOpenArray(n *node) bool {
	return n.addItems == (openness{}) && isUnconstrained(n.unevalItems)
}

// partialArray returns the schema items past the tuple must match, or nil
// when they are rejected (or free: see isOpenArray).
func partialArray(n *node) *node {
	if n.addItems.schema != nil {
		return n.addItems.schema
	}
	if !n.addItems.forbidden && n.unevalItems != nil {
		if k := deref(n.unevalItems).kind; k != kindFalse && k != kindEmpty {
			return n.unevalItems
		}
	}
	return nil
}
