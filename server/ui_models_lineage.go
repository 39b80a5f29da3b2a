package server

import (
	"context"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/ui"
)

// lineageVersions is how many of the newest versions the lineage graph
// draws: each costs a lineage lookup, and more would not be legible.
const lineageVersions = 8

// lineageGraph traces the newest versions to their runs and the runs to
// their source commits and datasets. Versions from the same run, and
// runs from the same commit or dataset, share that node.
func (d *dashboard) lineageGraph(ctx context.Context, model string, versions []registry.Version, problem func(string, error)) ui.LineageGraph {
	var g ui.LineageGraph
	if len(versions) > lineageVersions {
		g.Omitted = len(versions) - lineageVersions
		versions = versions[:lineageVersions]
	}
	b := lineageBuilder{g: &g, seen: map[string]bool{}}
	for _, v := range versions {
		l, err := d.s.deps.Registry.Lineage(ctx, model, v.Version)
		if err != nil {
			problem("lineage of v"+strconv.FormatInt(v.Version, 10), err)
			continue
		}
		b.version(v, l)
	}
	return g
}

// lineageBuilder adds nodes once and edges between them.
type lineageBuilder struct {
	g    *ui.LineageGraph
	seen map[string]bool
}

func (b *lineageBuilder) node(n ui.LineageNode) {
	if !b.seen[n.ID] {
		b.seen[n.ID] = true
		b.g.Nodes = append(b.g.Nodes, n)
	}
}

func (b *lineageBuilder) edge(from, to string) {
	if key := from + "\x00" + to; !b.seen[key] {
		b.seen[key] = true
		b.g.Edges = append(b.g.Edges, ui.LineageEdge{From: from, To: to})
	}
}

func (b *lineageBuilder) version(v registry.Version, l registry.Lineage) {
	id := "v:" + strconv.FormatInt(v.Version, 10)
	label := "v" + strconv.FormatInt(v.Version, 10)
	if v.Semver != "" {
		label += " · " + v.Semver
	}
	detail := strings.Join(v.Aliases, ", ")
	if l.Parent != nil {
		detail = strings.TrimPrefix(detail+", retrains v"+strconv.FormatInt(l.Parent.Version, 10), ", ")
	}
	b.node(ui.LineageNode{ID: id, Kind: ui.NodeVersion, Label: label, Detail: detail,
		Title: l.Model + " " + label + " (" + v.Status + ")", Href: modelVersionHref(l.Model, v.Version)})
	row := ui.LineageRow{Version: label, Run: "none (source " + l.Source + ")"}
	if r := l.Run; r != nil {
		b.run(id, r)
		row.Run, row.Commit = lineageRunTitle(r), r.SourceCommit
		var sets []string
		for _, ds := range r.Datasets {
			sets = append(sets, ds.Name+" @ "+ds.Digest)
		}
		row.Datasets = strings.Join(sets, "; ")
	}
	b.g.Rows = append(b.g.Rows, row)
}

func (b *lineageBuilder) run(versionID string, r *registry.RunLineage) {
	id := "r:" + r.RunID
	n := ui.LineageNode{ID: id, Kind: ui.NodeRun, Label: r.RunName, Detail: "run " + modelShortID(r.RunID), Title: lineageRunTitle(r)}
	if r.Found {
		n.Href = modelRunHref(r.RunID)
		n.Detail += " · " + strings.ToLower(r.Status)
	} else {
		n.Detail += " · not in this Paddock"
	}
	if n.Label == "" {
		n.Label = modelShortID(r.RunID)
	}
	b.node(n)
	b.edge(versionID, id)
	if r.SourceCommit != "" {
		cid := "c:" + r.SourceCommit
		b.node(ui.LineageNode{ID: cid, Kind: ui.NodeCommit, Label: "commit " + modelShortCommit(r.SourceCommit),
			Detail: r.SourceName, Title: "source commit " + r.SourceCommit + " " + r.SourceName})
		b.edge(id, cid)
	}
	for _, ds := range r.Datasets {
		did := "d:" + ds.Digest + "\x00" + ds.Name
		detail := "digest " + modelShortCommit(ds.Digest)
		if ds.Context != "" {
			detail += " · " + ds.Context
		}
		b.node(ui.LineageNode{ID: did, Kind: ui.NodeDataset, Label: "data " + ds.Name, Detail: detail,
			Title: "dataset " + ds.Name + " digest " + ds.Digest + " " + ds.Source})
		b.edge(id, did)
	}
}

func lineageRunTitle(r *registry.RunLineage) string {
	if r.RunName == "" {
		return "run " + r.RunID
	}
	return "run " + r.RunName + " (" + r.RunID + ")"
}

func modelShortID(id string) string { return modelPrefix(id, 8) }

func modelShortCommit(sha string) string { return modelPrefix(sha, 10) }

// modelPrefix is the first n characters of s.
func modelPrefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
