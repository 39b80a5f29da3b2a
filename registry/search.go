package registry

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// Page sizes, MLflow's.
const (
	DefaultModelResults   = 100
	MaxModelResults       = 1000
	DefaultVersionResults = 10_000
	MaxVersionResults     = 200_000
)

// Search is a registry search: a filter (see search_filter.go), order_by
// clauses ("name", "last_updated_timestamp DESC", ...), a page size and
// the token of the previous page.
type Search struct {
	Filter     string
	OrderBy    []string
	MaxResults int
	PageToken  string
}

// ModelPage is one page of registered models.
type ModelPage struct {
	Models        []Model
	NextPageToken string
}

// VersionPage is one page of model versions.
type VersionPage struct {
	Versions      []Version
	NextPageToken string
}

// SearchModels finds registered models, ordered by name unless asked
// otherwise.
func (s *Service) SearchModels(ctx context.Context, q Search) (ModelPage, error) {
	limit, offset, err := pageArgs(q, DefaultModelResults, MaxModelResults)
	if err != nil {
		return ModelPage{}, err
	}
	conds, err := parseFilter(q.Filter, modelFields)
	if err != nil {
		return ModelPage{}, err
	}
	order, err := orderSQL(q.OrderBy, modelOrderKeys, "m.name ASC")
	if err != nil {
		return ModelPage{}, err
	}
	where, args := whereSQL(conds, "m", "")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT m.name FROM registered_models m`+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit+1, offset)...)
	if err != nil {
		return ModelPage{}, err
	}
	names, err := scanStrings(rows)
	if err != nil {
		return ModelPage{}, err
	}
	page := ModelPage{Models: []Model{}}
	if len(names) > limit {
		names, page.NextPageToken = names[:limit], offsetToken(offset+limit)
	}
	for _, n := range names {
		m, err := s.GetModel(ctx, n)
		if err != nil {
			return ModelPage{}, err
		}
		page.Models = append(page.Models, m)
	}
	return page, nil
}

// SearchVersions finds model versions, newest change first unless asked
// otherwise.
func (s *Service) SearchVersions(ctx context.Context, q Search) (VersionPage, error) {
	limit, offset, err := pageArgs(q, DefaultVersionResults, MaxVersionResults)
	if err != nil {
		return VersionPage{}, err
	}
	conds, err := parseFilter(q.Filter, versionFields)
	if err != nil {
		return VersionPage{}, err
	}
	order, err := orderSQL(q.OrderBy, versionOrderKeys, "v.last_updated_time DESC, m.name ASC, v.version DESC")
	if err != nil {
		return VersionPage{}, err
	}
	where, args := whereSQL(conds, "m", "v")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+versionColumns+versionFrom+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit+1, offset)...)
	if err != nil {
		return VersionPage{}, err
	}
	page := VersionPage{Versions: []Version{}}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return VersionPage{}, err
		}
		page.Versions = append(page.Versions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return VersionPage{}, err
	}
	if len(page.Versions) > limit {
		page.Versions, page.NextPageToken = page.Versions[:limit], offsetToken(offset+limit)
	}
	for i := range page.Versions {
		if err := fillVersion(ctx, s.db.Read, &page.Versions[i]); err != nil {
			return VersionPage{}, err
		}
	}
	return page, nil
}

// whereSQL turns conditions into a WHERE clause over models m and, for
// version searches, versions v.
func whereSQL(conds []cond, m, v string) (string, []any) {
	var parts []string
	var args []any
	for _, c := range conds {
		var sql string
		var a []any
		switch c.field {
		case "name":
			sql, a = stringSQL(m+".name", c)
		case "run_id":
			sql, a = stringSQL(v+".run_id", c)
		case "source_path":
			sql, a = stringSQL(v+".source", c)
		case "version_number":
			sql, a = v+".version "+c.op+" ?", []any{c.num}
		case "tag":
			cmp, ca := stringSQL("t.value", c)
			if v == "" {
				sql = "EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.model_pk = " + m + ".model_pk AND t.key = ? AND " + cmp + ")"
			} else {
				sql = "EXISTS (SELECT 1 FROM model_version_tags t WHERE t.version_pk = " + v + ".version_pk AND t.key = ? AND " + cmp + ")"
			}
			a = append([]any{c.key}, ca...)
		}
		parts = append(parts, sql)
		args = append(args, a...)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args
}

var (
	modelOrderKeys = map[string]string{
		"name": "m.name", "timestamp": "m.last_updated_time", "last_updated_timestamp": "m.last_updated_time",
		"creation_timestamp": "m.creation_time",
	}
	versionOrderKeys = map[string]string{
		"name": "m.name", "version_number": "v.version", "timestamp": "v.last_updated_time",
		"last_updated_timestamp": "v.last_updated_time", "creation_timestamp": "v.creation_time",
	}
)

// orderSQL parses "key [ASC|DESC]" clauses; ties end with the default
// order.
func orderSQL(clauses []string, keys map[string]string, fallback string) (string, error) {
	if len(clauses) == 0 {
		return fallback, nil
	}
	var terms []string
	seen := map[string]bool{}
	for _, c := range clauses {
		f := strings.Fields(c)
		if len(f) == 0 || len(f) > 2 {
			return "", errs.E(errs.Invalid, "Invalid order_by clause '%s'", c)
		}
		col, ok := keys[strings.TrimPrefix(f[0], "attributes.")]
		if !ok {
			return "", errs.E(errs.Invalid, "Invalid order by key '%s' specified.", f[0])
		}
		if seen[col] {
			return "", errs.E(errs.Invalid, "`order_by` contains duplicate fields: %v", clauses)
		}
		seen[col] = true
		dir := " ASC"
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "ASC":
			case "DESC":
				dir = " DESC"
			default:
				return "", errs.E(errs.Invalid, "Invalid order_by clause '%s': want ASC or DESC", c)
			}
		}
		terms = append(terms, col+dir)
	}
	return strings.Join(terms, ", ") + ", " + fallback, nil
}

func pageArgs(q Search, def, max int) (limit, offset int, err error) {
	limit = q.MaxResults
	switch {
	case limit == 0:
		limit = def
	case limit < 0 || limit > max:
		return 0, 0, errs.E(errs.Invalid, "Invalid value for request parameter max_results. It must be at most %d, but got value %d", max, limit)
	}
	if q.PageToken != "" {
		b, derr := base64.RawURLEncoding.DecodeString(q.PageToken)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "o"))
		if derr != nil || perr != nil || n < 0 || !strings.HasPrefix(string(b), "o") {
			return 0, 0, errs.E(errs.Invalid, "Invalid page token, could not base64-decode")
		}
		offset = n
	}
	return limit, offset, nil
}

func offsetToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(n)))
}

func scanStrings(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
