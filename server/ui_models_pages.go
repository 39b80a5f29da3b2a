package server

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/ui"
)

// modelListPage is how many models the list shows at once.
const modelListPage = 50

// registerModelPages registers the registry's model and version pages.
// Reading needs a viewer; moving an alias an editor, as the alias API
// does (the registry then decides whether the move needs an approval).
func (d *dashboard) registerModelPages() {
	if d.s.deps.Registry == nil {
		d.route(fiber.MethodGet, "/ui/models", auth.Viewer, d.registryOff)
		return
	}
	d.route(fiber.MethodGet, "/ui/models", auth.Viewer, d.modelList)
	d.route(fiber.MethodGet, "/ui/models/:name", auth.Viewer, d.modelPage)
	d.route(fiber.MethodGet, "/ui/models/:name/aliases/move", auth.Editor, d.aliasConfirm)
	d.route(fiber.MethodPost, "/ui/models/:name/aliases", auth.Editor, d.aliasMove)
	const v = "/ui/models/:name/versions/:version"
	d.route(fiber.MethodGet, v, auth.Viewer, d.versionPage)
	d.route(fiber.MethodGet, v+"/download", auth.Viewer, d.downloadVersion)
	d.route(fiber.MethodGet, v+"/files/*", auth.Viewer, d.downloadVersionFile)
}

func (d *dashboard) registryOff(c *fiber.Ctx) error {
	return d.render(c, fiber.StatusOK, d.page(c, "Models", "models"), ui.ModelList(ui.ModelListView{RegistryOff: true}))
}

// modelList renders the registered models, filtered by ?q (a name
// substring) and paged by ?page (the registry's page token).
func (d *dashboard) modelList(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	q := strings.TrimSpace(strings.Clone(c.Query("q")))
	search := registry.Search{MaxResults: modelListPage, PageToken: strings.Clone(c.Query("page"))}
	if q != "" {
		search.Filter = "name ILIKE '%" + quoteFilter(q) + "%'"
	}
	page, err := d.s.deps.Registry.SearchModels(ctx, search)
	if err != nil {
		return d.fail(c, err)
	}
	v := ui.ModelListView{Query: q}
	for _, m := range page.Models {
		v.Models = append(v.Models, modelRow(m))
	}
	if page.NextPageToken != "" {
		next := url.Values{"page": {page.NextPageToken}}
		if q != "" {
			next.Set("q", q)
		}
		v.NextHref = "/ui/models?" + next.Encode()
	}
	return d.render(c, fiber.StatusOK, d.page(c, "Models", "models"), ui.ModelList(v))
}

func modelRow(m registry.Model) ui.ModelRow {
	row := ui.ModelRow{Name: m.Name, Href: modelHref(m.Name), Description: m.Description,
		Updated: formatTime(time.UnixMilli(m.LastUpdatedTime))}
	if len(m.LatestVersions) > 0 {
		latest := slices.MaxFunc(m.LatestVersions, func(a, b registry.Version) int { return cmp.Compare(a.Version, b.Version) })
		row.Latest, row.LatestHref = versionLabel(&latest.Version, ""), modelVersionHref(m.Name, latest.Version)
	}
	for _, a := range m.Aliases {
		row.Aliases = append(row.Aliases, ui.AliasVersion{Alias: a.Alias, Version: a.Version})
	}
	return row
}

// modelHref is a model's page; names may hold characters that need
// escaping in a path (spaces, '?', '#', '%').
func modelHref(name string) string { return "/ui/models/" + url.PathEscape(name) }

func modelVersionHref(name string, v int64) string {
	return modelHref(name) + "/versions/" + modelInt(v)
}

// modelRunHref is a run's page on the dashboard.
func modelRunHref(runID string) string { return "/ui/runs/" + url.PathEscape(runID) }
