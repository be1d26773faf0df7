package jsonschema

// object compares two object schemas: required, properties, dependencies,
// additional and unevaluated properties, then size limits.
func (d *differ) object(out *[]Change, o, u *node) {
	d.required(out, o, u)
	d.properties(out, o, u)
	d.dependencies(out, o, u)
	d.rest(out, "additionalProperties", o.additional, u.additional,
		AdditionalPropertiesAdded, AdditionalPropertiesRemoved, AdditionalPropertiesExtended, AdditionalPropertiesNarrowed)
	d.unevaluated(out, "unevaluatedProperties", o.unevalProps, u.unevalProps,
		UnevaluatedPropertiesAdded, UnevaluatedPropertiesRemoved, UnevaluatedPropertiesExtended, UnevaluatedPropertiesNarrowed)
	bound(out, "maxProperties", o.maxProperties, u.maxProperties,
		MaxPropertiesAdded, MaxPropertiesRemoved, MaxPropertiesIncreased, MaxPropertiesDecreased)
	bound(out, "minProperties", o.minProperties, u.minProperties,
		MinPropertiesAdded, MinPropertiesRemoved, MinPropertiesIncreased, MinPropertiesDecreased)
}

// required compares whether properties both schemas define are required.
// As in Confluent, a required name without a property schema is not
// compared.
func (d *differ) required(out *[]Change, o, u *node) {
	for _, p := range o.properties {
		up := u.property(p.name)
		if up == nil {
			continue
		}
		or, ur := o.required[p.name], u.required[p.name]
		if or == ur {
			continue
		}
		path := "required/" + escapePath(p.name)
		switch {
		case or:
			add(out, path, RequiredAttributeRemoved)
		case hasDefaultValue(up):
			add(out, path, RequiredAttributeWithDefaultAdded)
		default:
			add(out, path, RequiredAttributeAdded)
		}
	}
}

func (d *differ) properties(out *[]Change, o, u *node) {
	i, j := 0, 0
	for i < len(o.properties) || j < len(u.properties) {
		switch {
		case j == len(u.properties) || (i < len(o.properties) && o.properties[i].name < u.properties[j].name):
			d.propertyRemoved(out, o.properties[i], u)
			i++
		case i == len(o.properties) || u.properties[j].name < o.properties[i].name:
			d.propertyAdded(out, o, u.properties[j], u)
			j++
		default:
			// Checked before building the location: most properties of
			// two versions are the same.
			if op, up := o.properties[i].n, u.properties[j].n; !identical(deref(op), deref(up)) {
				d.compare(out, "properties/"+escapePath(o.properties[i].name), op, up)
			}
			i++
			j++
		}
	}
}

// propertyRemoved judges a property the writer had and the reader does not
// by what the reader's content model does with it.
func (d *differ) propertyRemoved(out *[]Change, p namedNode, u *node) {
	path := "properties/" + escapePath(p.name)
	if isOpenObject(u) {
		add(out, path, PropertyRemovedFromOpenContentModel)
		return
	}
	if rest := partialObject(u, p.name); rest != nil {
		sub, ok := d.trial(path, p.n, rest)
		*out = append(*out, sub...)
		if ok {
			add(out, path, PropertyRemovedIsCoveredByPartiallyOpenContentModel)
		} else {
			add(out, path, PropertyRemovedNotCoveredByPartiallyOpenContentModel)
		}
		return
	}
	if deref(p.n).kind == kindFalse {
		add(out, path, PropertyWithFalseRemovedFromClosedContentModel)
	} else {
		add(out, path, PropertyRemovedFromClosedContentModel)
	}
}

// propertyAdded judges a property the reader has and the writer did not by
// what the writer's content model let it write under that name.
func (d *differ) propertyAdded(out *[]Change, o *node, p namedNode, u *node) {
	path := "properties/" + escapePath(p.name)
	required, withDefault := u.required[p.name], hasDefaultValue(p.n)
	if isOpenObject(o) {
		switch {
		case deref(p.n).kind == kindEmpty:
			add(out, path, PropertyWithEmptySchemaAddedToOpenContentModel)
		case required && withDefault:
			add(out, path, RequiredPropertyWithDefaultAddedToOpenContentModel)
		case required:
			add(out, path, RequiredPropertyAddedToOpenContentModel)
		default:
			add(out, path, OptionalPropertyAddedToOpenContentModel)
		}
		return
	}
	if rest := partialObject(o, p.name); rest != nil {
		sub, ok := d.trial(path, rest, p.n)
		*out = append(*out, sub...)
		if ok {
			add(out, path, PropertyAddedIsCoveredByPartiallyOpenContentModel)
		} else {
			add(out, path, PropertyAddedNotCoveredByPartiallyOpenContentModel)
		}
	}
	switch {
	case required && withDefault:
		add(out, path, RequiredPropertyWithDefaultAddedToUnopenContentModel)
	case required:
		add(out, path, RequiredPropertyAddedToUnopenContentModel)
	default:
		add(out, path, OptionalPropertyAddedToUnopenContentModel)
	}
}

// isOpenObject: any property not declared is accepted with any value.
func isOpenObject(n *node) bool {
	return len(n.patternProps) == 0 && n.additional == (openness{}) && isUnconstrained(n.unevalProps)
}

// partialObject returns the schema an undeclared property called name must
// match, or nil when the content model rejects it.
func partialObject(n *node, name string) *node {
	for _, pp := range n.patternProps {
		if pp.re != nil && pp.re.MatchString(name) {
			return pp.n
		}
	}
	if n.additional.schema != nil {
		return n.additional.schema
	}
	if n.additional.forbidden {
		return nil
	}
	if n.unevalProps != nil {
		if k := deref(n.unevalProps).kind; k == kindFalse {
			return nil
		} else if k != kindEmpty {
			return n.unevalProps
		}
	}
	// Only patternProperties made the model look closed: names no pattern
	// matches are open (Confluent treats them as closed).
	return emptyNode
}

// isUnconstrained: an absent, true or {} unevaluatedProperties/Items.
func isUnconstrained(n *node) bool {
	return n == nil || deref(n).kind == kindEmpty
}

func (d *differ) dependencies(out *[]Change, o, u *node) {
	i, j := 0, 0
	for i < len(o.propDeps) || j < len(u.propDeps) {
		switch {
		case j == len(u.propDeps) || (i < len(o.propDeps) && o.propDeps[i].name < u.propDeps[j].name):
			add(out, o.propDeps[i].keyword+"/"+escapePath(o.propDeps[i].name), DependencyArrayRemoved)
			i++
		case i == len(o.propDeps) || u.propDeps[j].name < o.propDeps[i].name:
			add(out, u.propDeps[j].keyword+"/"+escapePath(u.propDeps[j].name), DependencyArrayAdded)
			j++
		default:
			op, up := o.propDeps[i], u.propDeps[j]
			path := op.keyword + "/" + escapePath(op.name)
			switch {
			case subset(op.requires, up.requires) && subset(up.requires, op.requires):
			case subset(op.requires, up.requires):
				add(out, path, DependencyArrayExtended)
			case subset(up.requires, op.requires):
				add(out, path, DependencyArrayNarrowed)
			default:
				add(out, path, DependencyArrayChanged)
			}
			i++
			j++
		}
	}
	i, j = 0, 0
	for i < len(o.schemaDeps) || j < len(u.schemaDeps) {
		switch {
		case j == len(u.schemaDeps) || (i < len(o.schemaDeps) && o.schemaDeps[i].name < u.schemaDeps[j].name):
			add(out, o.schemaDeps[i].keyword+"/"+escapePath(o.schemaDeps[i].name), DependencySchemaRemoved)
			i++
		case i == len(o.schemaDeps) || u.schemaDeps[j].name < o.schemaDeps[i].name:
			add(out, u.schemaDeps[j].keyword+"/"+escapePath(u.schemaDeps[j].name), DependencySchemaAdded)
			j++
		default:
			d.compare(out, o.schemaDeps[i].keyword+"/"+escapePath(o.schemaDeps[i].name), o.schemaDeps[i].n, u.schemaDeps[j].n)
			i++
			j++
		}
	}
}

// rest compares additionalProperties or additionalItems: allowed or not,
// then free or constrained, then the constraining schemas.
func (d *differ) rest(out *[]Change, path string, o, u openness, added, removed, extended, narrowed ChangeType) {
	switch {
	case o.forbidden != u.forbidden:
		if u.forbidden {
			add(out, path, removed)
		} else {
			add(out, path, added)
		}
	case o.schema == nil && u.schema != nil:
		add(out, path, narrowed)
	case o.schema != nil && u.schema == nil:
		add(out, path, extended)
	case o.schema != nil:
		d.compare(out, path, o.schema, u.schema)
	}
}

// unevaluated compares unevaluatedProperties or unevaluatedItems, where
// absent, true and {} all mean "anything".
func (d *differ) unevaluated(out *[]Change, path string, o, u *node, added, removed, extended, narrowed ChangeType) {
	if isUnconstrained(o) {
		o = nil
	}
	if isUnconstrained(u) {
		u = nil
	}
	of, uf := o != nil && deref(o).kind == kindFalse, u != nil && deref(u).kind == kindFalse
	switch {
	case o == nil && u == nil:
	case o == nil && uf:
		add(out, path, removed)
	case o == nil:
		add(out, path, narrowed)
	case u == nil && of:
		add(out, path, added)
	case u == nil:
		add(out, path, extended)
	case of && !uf:
		add(out, path, added)
	case !of && uf:
		add(out, path, removed)
	default:
		d.compare(out, path, o, u)
	}
}
