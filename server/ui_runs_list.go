package server

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/ui"
)

const (
	// experimentsPageSize is how many experiments one page lists.
	experimentsPageSize = 100
	// maxRunsExperiments bounds the experiments one runs table shows.
	maxRunsExperiments = 20
)

// experimentsPage lists the active experiments, newest first, with how
// many runs each holds and when it last changed.
func (d *dashboard) experimentsPage(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	tracking := d.s.deps.Tracking
	page, err := tracking.SearchExperiments(ctx, experiments.ExperimentSearch{MaxResults: experimentsPageSize, PageToken: c.Query("page_token")})
	if err != nil {
		return d.fail(c, err)
	}
	ids := make([]int64, len(page.Experiments))
	for i, e := range page.Experiments {
		ids[i] = e.ID
	}
	stats, err := tracking.ExperimentStats(ctx, ids)
	if err != nil {
		return d.fail(c, err)
	}
	v := ui.ExperimentsView{SeveralURL: "/ui/experiments/runs"}
	for _, e := range page.Experiments {
		st := stats[e.ID]
		id := strconv.FormatInt(e.ID, 10)
		v.Experiments = append(v.Experiments, ui.ExperimentRow{ID: id, Name: e.Name, Runs: st.Runs,
			LastUpdate: runsTime(max(e.LastUpdateTime, st.LastRunStart)), RunsURL: runsPath(id)})
	}
	if page.NextPageToken != "" {
		v.NextURL = "/ui/experiments?page_token=" + url.QueryEscape(page.NextPageToken)
	}
	return d.render(c, fiber.StatusOK, d.page(c, "Experiments", "runs"), ui.Experiments(v))
}

func runsPath(ids string) string { return "/ui/experiments/" + ids + "/runs" }

// runsPage is the runs table of the experiments in the path
// (/ui/experiments/1,2/runs) or in ?experiment= (the experiments list's
// form). A filter or order the parser refuses shows its message next to
// the search box, with status 400. Pages follow BrowseRuns' keyset
// tokens, so the last page of 100,000 runs costs what the first does.
func (d *dashboard) runsPage(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	ids, err := runsExperimentIDs(c)
	if err != nil {
		return d.fail(c, err)
	}
	refs, err := d.experimentRefs(ctx, ids)
	if err != nil {
		return d.fail(c, err)
	}
	action := runsPath(strings.Join(ids, ","))
	q, err := parseRunsQuery(c)
	if err != nil {
		return d.fail(c, err)
	}
	var orderBy []string
	if q.orderBy != "" {
		orderBy = []string{q.orderBy}
	}
	page, err := d.s.deps.Tracking.BrowseRuns(ctx, experiments.RunSearch{ExperimentIDs: ids, Filter: q.filter,
		OrderBy: orderBy, MaxResults: q.size, PageToken: q.token})
	v := runsView(q, action, page)
	v.Experiments = refs
	status := fiber.StatusOK
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return d.fail(c, err)
		}
		_, _, v.FilterError = classify(err)
		status = fiber.StatusBadRequest
	}
	return d.render(c, status, d.page(c, "Runs", "runs"), ui.Runs(v))
}

// runsExperimentIDs reads the experiment ids, checked and once each.
func runsExperimentIDs(c *fiber.Ctx) ([]string, error) {
	var raw []string
	if p := c.Params("ids"); p != "" {
		unescaped, err := url.PathUnescape(p)
		if err != nil {
			return nil, errs.E(errs.Invalid, "experiment ids %q are not valid percent-encoding", p)
		}
		raw = strings.Split(unescaped, ",")
	} else {
		for _, b := range c.Context().QueryArgs().PeekMulti("experiment") {
			raw = append(raw, strings.Split(string(b), ",")...)
		}
	}
	var ids []string
	for _, r := range raw {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if _, err := experiments.ParseExperimentID(r); err != nil {
			return nil, err
		}
		if !slices.Contains(ids, r) {
			ids = append(ids, r)
		}
	}
	if len(ids) == 0 || len(ids) > maxRunsExperiments {
		return nil, errs.E(errs.Invalid, "choose 1 to %d experiments, not %d", maxRunsExperiments, len(ids))
	}
	return ids, nil
}

// experimentRefs names the experiments; an unknown one is a 404.
func (d *dashboard) experimentRefs(ctx context.Context, ids []string) ([]ui.ExperimentRef, error) {
	refs := make([]ui.ExperimentRef, 0, len(ids))
	for _, raw := range ids {
		id, err := experiments.ParseExperimentID(raw)
		if err != nil {
			return nil, err
		}
		e, err := d.s.deps.Tracking.GetExperiment(ctx, id)
		if err != nil {
			return nil, err
		}
		refs = append(refs, ui.ExperimentRef{ID: raw, Name: e.Name, URL: runsPath(raw)})
	}
	return refs, nil
}
