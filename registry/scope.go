package registry

// GlobalContext is Confluent's context of settings that apply to every
// context (PUT /config/:.__GLOBAL: or /contexts/.__GLOBAL/config). It
// holds no subjects.
const GlobalContext = ".__GLOBAL"

// scopeLevels lists the levels whose config or mode apply to n, least
// specific first, as Confluent resolves them: the subject, then its
// context, then the .__GLOBAL context, then the default context (for a
// subject of another context), then the built-in default (the caller's).
func scopeLevels(n Name) []Name {
	var levels []Name
	if n.Context != DefaultContext {
		levels = append(levels, Name{DefaultContext, ""})
	}
	if n.Context != GlobalContext {
		levels = append(levels, Name{GlobalContext, ""})
	}
	levels = append(levels, Name{n.Context, ""})
	if n.Subject != "" {
		levels = append(levels, n)
	}
	return levels
}
