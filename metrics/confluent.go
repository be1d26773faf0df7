package metrics

// confluentEndpoints names the Confluent API's routes as Confluent's
// jersey-metrics do (<endpoint>.request-rate and so on), for the
// kafka_schema_registry_jersey_metrics_* series. Routes outside the
// Confluent API (the native /v1 API, the UI) are not in it: their
// requests are in accord_http_* only.
var confluentEndpoints = map[string]string{
	"GET /":                                                     "root",
	"GET /schemas/types":                                        "schemas.get-types",
	"GET /schemas":                                              "schemas.get-schemas",
	"GET /schemas/ids/{id}":                                     "schemas.ids.get-schema",
	"GET /schemas/ids/{id}/schema":                              "schemas.ids.get-schema-only",
	"GET /schemas/ids/{id}/subjects":                            "schemas.get-subjects",
	"GET /schemas/ids/{id}/versions":                            "schemas.get-versions",
	"GET /subjects":                                             "subjects.list",
	"POST /subjects/{subject}":                                  "subjects.get-schema",
	"DELETE /subjects/{subject}":                                "subjects.delete-subject",
	"GET /subjects/{subject}/versions":                          "subjects.versions.list",
	"POST /subjects/{subject}/versions":                         "subjects.versions.register",
	"GET /subjects/{subject}/versions/{version}":                "subjects.versions.get-schema",
	"DELETE /subjects/{subject}/versions/{version}":             "subjects.versions.delete-schema",
	"GET /subjects/{subject}/versions/{version}/schema":         "subjects.versions.get-schema.only",
	"GET /subjects/{subject}/versions/{version}/referencedby":   "subjects.versions.get-referenced-by",
	"POST /compatibility/subjects/{subject}/versions":           "compatibility.subjects.versions.verify",
	"POST /compatibility/subjects/{subject}/versions/{version}": "compatibility.subjects.versions.verify",
	"GET /config":                                               "config.get-global",
	"PUT /config":                                               "config.update-global",
	"DELETE /config":                                            "config.delete-global",
	"GET /config/{subject}":                                     "config.get-subject",
	"PUT /config/{subject}":                                     "config.update-subject",
	"DELETE /config/{subject}":                                  "config.delete-subject",
	"GET /mode":                                                 "mode.get-global",
	"PUT /mode":                                                 "mode.update-global",
	"DELETE /mode":                                              "mode.delete-global",
	"GET /mode/{subject}":                                       "mode.get-subject",
	"PUT /mode/{subject}":                                       "mode.update-subject",
	"DELETE /mode/{subject}":                                    "mode.delete-subject",
	"GET /contexts":                                             "contexts.list",
	"GET /v1/metadata/id":                                       "metadata.id",
}

// confluentEndpoint names a route's Confluent endpoint, "" when it has
// none.
func confluentEndpoint(method, route string) string {
	return confluentEndpoints[method+" "+route]
}
