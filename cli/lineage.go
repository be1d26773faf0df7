package cli

// accord lineage: declare, remove and list lineage edges from CI, where a
// pipeline knows what it reads and what it derives.

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/accord/accord/lineage"
)

const lineageUsage = `Usage: accord lineage add KIND FROM TO [--fields a,b.c] [--version N]
       accord lineage remove KIND FROM TO
       accord lineage list [--node NAME] [--kind KIND] [--output json]

KIND is produces (service -> stream), consumes (stream -> service, with the
field paths the consumer reads) or derived_from (source stream -> derived
stream). Edges point the way data flows. Adding an edge again refreshes
when it was last seen.

Exit status: 0 done, 1 refused by the server, 2 usage or connection errors.

Examples:
  accord lineage add consumes orders billing-svc --fields id,total,customer.email
  accord lineage add derived_from users-private users-public
  accord lineage list --node orders
  accord lineage remove consumes orders billing-svc
`

func (r *runner) lineage(ctx context.Context, args []string) int {
	fs := r.newFlagSet("lineage", lineageUsage)
	var cf clientFlags
	cf.register(fs)
	fields := fs.String("fields", "", "consumes: comma-separated field paths the consumer reads")
	version := fs.Int("version", 0, "consumes: the schema version the consumer reads (0: unknown)")
	node := fs.String("node", "", "list: edges touching this service or stream")
	kind := fs.String("kind", "", "list: only edges of this kind")
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return r.exit("lineage", usageErr("no action given: add, remove or list"))
	}
	c, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("lineage", err)
	}
	switch action := pos[0]; {
	case action == "add" && len(pos) == 4:
		e := map[string]any{"kind": pos[1], "from": pos[2], "to": pos[3]}
		if *fields != "" {
			e["fields"] = strings.Split(*fields, ",")
		}
		if *version > 0 {
			e["version"] = *version
		}
		if _, err := c.do(ctx, "POST", "/v1/lineage/edges", e, nil); err != nil {
			return r.exit("lineage", err)
		}
		fmt.Fprintf(r.stdout, "edge %s %s -> %s recorded\n", pos[1], pos[2], pos[3])
		return exitOK
	case action == "remove" && len(pos) == 4:
		q := url.Values{"kind": {pos[1]}, "from": {pos[2]}, "to": {pos[3]}}
		if _, err := c.do(ctx, "DELETE", "/v1/lineage/edges?"+q.Encode(), nil, nil); err != nil {
			return r.exit("lineage", err)
		}
		fmt.Fprintf(r.stdout, "edge %s %s -> %s removed\n", pos[1], pos[2], pos[3])
		return exitOK
	case action == "list" && len(pos) == 1:
		q := url.Values{}
		if *node != "" {
			q.Set("node", *node)
		}
		if *kind != "" {
			q.Set("kind", *kind)
		}
		var edges []lineage.Edge
		if _, err := c.do(ctx, "GET", "/v1/lineage/edges?"+q.Encode(), nil, &edges); err != nil {
			return r.exit("lineage", err)
		}
		if cf.output == "json" {
			return r.exit("lineage", printJSON(r.stdout, edges))
		}
		for _, e := range edges {
			line := fmt.Sprintf("%-12s %s -> %s", e.Kind, e.From, e.To)
			if len(e.Fields) > 0 {
				line += " fields " + strings.Join(e.Fields, ",")
			}
			if e.Version > 0 {
				line += " version " + strconv.Itoa(e.Version)
			}
			fmt.Fprintln(r.stdout, line)
		}
		return exitOK
	default:
		fs.Usage()
		return r.exit("lineage", usageErr("unknown or incomplete action %q", strings.Join(pos, " ")))
	}
}
