package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/experiments/filter"
	"github.com/paddockml/paddock/ui"
)

// The runs table keeps its whole state in the query string, so that a
// link (or the back button) shows the same table again:
//
//	filter    MLflow filter ("metrics.f1 > 0.8")
//	order_by  one MLflow order_by clause ("metrics.f1 DESC")
//	param     a param column, repeated; metric likewise
//	cols=1    the columns were chosen (none chosen means none shown)
//	size      runs per page; page_token and page where the page starts

const (
	defaultRunsPage = 50
	maxRunsPage     = 500
	// maxChosenColumns bounds the param and the metric columns each.
	maxChosenColumns = 50
	// defaultColumns is how many params and metrics a table shows before
	// the chooser was used, taken from the keys of the page's runs.
	defaultColumns = 6
	// maxChoices bounds the column chooser's checkboxes of each kind.
	maxChoices = 200
	// maxFilterBytes bounds a filter typed into the box.
	maxFilterBytes = 10_000
)

// runsQuery is the runs table's state.
type runsQuery struct {
	filter, orderBy string
	params, metrics []string
	chosen          bool
	size            int
	token           string
	page            int
}

// parseRunsQuery reads the table's state from the request, refusing
// what no form of ours sends.
func parseRunsQuery(c *fiber.Ctx) (runsQuery, error) {
	args := c.Context().QueryArgs()
	q := runsQuery{filter: string(args.Peek("filter")), orderBy: strings.TrimSpace(string(args.Peek("order_by"))),
		token: string(args.Peek("page_token")), chosen: string(args.Peek("cols")) == "1", size: defaultRunsPage, page: 1}
	if len(q.filter) > maxFilterBytes {
		return q, errs.E(errs.Invalid, "the filter is %d bytes long; at most %d are accepted", len(q.filter), maxFilterBytes)
	}
	var err error
	if q.params, err = columnKeys(args.PeekMulti("param"), "param"); err != nil {
		return q, err
	}
	if q.metrics, err = columnKeys(args.PeekMulti("metric"), "metric"); err != nil {
		return q, err
	}
	if raw := string(args.Peek("size")); raw != "" {
		if q.size, err = strconv.Atoi(raw); err != nil || q.size < 1 || q.size > maxRunsPage {
			return q, errs.E(errs.Invalid, "size must be a number of runs from 1 to %d, not %q", maxRunsPage, raw)
		}
	}
	if raw := string(args.Peek("page")); raw != "" {
		if q.page, err = strconv.Atoi(raw); err != nil || q.page < 1 {
			return q, errs.E(errs.Invalid, "page must be a positive number, not %q", raw)
		}
	}
	return q, nil
}

// columnKeys copies the chosen keys out of the request (fasthttp reuses
// its buffers), once each.
func columnKeys(raw [][]byte, kind string) ([]string, error) {
	if len(raw) > maxChosenColumns {
		return nil, errs.E(errs.Invalid, "at most %d %s columns can be shown, not %d", maxChosenColumns, kind, len(raw))
	}
	out := make([]string, 0, len(raw))
	for _, b := range raw {
		k := string(b)
		if k == "" || len(k) > experiments.MaxKeyLength {
			return nil, errs.E(errs.Invalid, "a %s column needs a key of 1 to %d bytes", kind, experiments.MaxKeyLength)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// values encodes the state; the page position only when withPage.
func (q runsQuery) values(withPage bool) url.Values {
	v := url.Values{}
	if q.filter != "" {
		v.Set("filter", q.filter)
	}
	if q.orderBy != "" {
		v.Set("order_by", q.orderBy)
	}
	if q.chosen {
		v.Set("cols", "1")
	}
	v["param"] = q.params
	v["metric"] = q.metrics
	if q.size != defaultRunsPage {
		v.Set("size", strconv.Itoa(q.size))
	}
	if withPage && q.token != "" {
		v.Set("page_token", q.token)
		v.Set("page", strconv.Itoa(q.page))
	}
	return v
}

func (q runsQuery) url(base string) string {
	if enc := q.values(true).Encode(); enc != "" {
		return base + "?" + enc
	}
	return base
}

// hidden is the state as form fields, without the names a form sets
// itself (the search box sets filter; the chooser the columns).
func (q runsQuery) hidden(except ...string) []ui.QueryParam {
	var out []ui.QueryParam
	v := q.values(false)
	for _, name := range []string{"filter", "order_by", "cols", "param", "metric", "size"} {
		if slices.Contains(except, name) {
			continue
		}
		for _, val := range v[name] {
			out = append(out, ui.QueryParam{Name: name, Value: val})
		}
	}
	return out
}

// order is the table's ordering: the one asked for, or the service's
// default (newest first).
func (q runsQuery) order() (filter.Order, bool) {
	if q.orderBy == "" {
		return filter.Order{Entity: filter.Attribute, Key: "start_time", Desc: true}, true
	}
	orders, err := filter.ParseRunOrderBy([]string{q.orderBy})
	if err != nil || len(orders) != 1 {
		return filter.Order{}, false
	}
	return orders[0], true
}

// sortURL orders the table by a column: the other way round when it is
// already ordered by it, else metrics best-first (descending) and the
// rest ascending. A new order starts at the first page.
func (q runsQuery) sortURL(base string, e filter.Entity, key string) string {
	o := filter.Order{Entity: e, Key: key, Desc: e == filter.Metric || key == "start_time"}
	if cur, ok := q.order(); ok && cur.Entity == e && cur.Key == key {
		o.Desc = !cur.Desc
	}
	q.orderBy, q.token, q.page = o.String(), "", 1
	return q.url(base)
}

// sortState is the aria-sort value of a column.
func (q runsQuery) sortState(e filter.Entity, key string) string {
	cur, ok := q.order()
	switch {
	case !ok || cur.Entity != e || cur.Key != key:
		return ""
	case cur.Desc:
		return "descending"
	}
	return "ascending"
}
