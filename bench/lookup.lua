-- wrk script: POST a schema body (lookup or registration of an existing schema).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.schemaregistry.v1+json"
wrk.body = os.getenv("ACCORD_BENCH_BODY")
