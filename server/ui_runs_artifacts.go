package server

import (
	"mime"
	"net/url"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/ui"
)

// maxArtifactEntries bounds one directory's listing on the run page.
const maxArtifactEntries = 1000

// artifactDir checks a path inside a run's artifacts: relative, without
// "." or ".." segments (path.Join would resolve those out of the run's
// directory), surrounding slashes ignored.
func artifactDir(raw string) (string, error) {
	p := strings.Trim(raw, "/")
	if p == "" {
		return "", nil
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, '\\') {
			return "", errs.E(errs.Invalid, "artifact path %q is not a path inside the run's artifacts", raw)
		}
	}
	return strings.Clone(p), nil
}

// runArtifactKey is the store key of a path inside a run's artifacts, or
// ok false when the run keeps them outside Paddock.
func runArtifactKey(run experiments.Run, rel string) (key string, ok bool, err error) {
	root, ok := strings.CutPrefix(run.Info.ArtifactURI, experiments.ArtifactScheme)
	if !ok {
		return "", false, nil
	}
	key, err = proxiedKey(path.Join(root, rel))
	return key, true, err
}

// runArtifacts lists one directory of the run's artifacts.
func (d *dashboard) runArtifacts(c *fiber.Ctx, run experiments.Run, link runLinks) (ui.ArtifactsView, error) {
	key, ok, err := runArtifactKey(run, link.dir)
	if err != nil || !ok {
		return ui.ArtifactsView{Elsewhere: run.Info.ArtifactURI}, err
	}
	var a ui.ArtifactsView
	a.Crumbs = append(a.Crumbs, ui.Crumb{Name: "artifacts", URL: link.url(link.metric, "")})
	if link.dir != "" {
		segs := strings.Split(link.dir, "/")
		for i, s := range segs {
			a.Crumbs = append(a.Crumbs, ui.Crumb{Name: s, URL: link.url(link.metric, strings.Join(segs[:i+1], "/"))})
		}
	}
	files, err := d.s.children(c, key, link.dir)
	if err != nil {
		return a, err
	}
	for _, f := range files[:min(len(files), maxArtifactEntries)] {
		e := ui.ArtifactEntry{Name: path.Base(f.Path), IsDir: f.IsDir}
		if f.IsDir {
			e.URL = link.url(link.metric, f.Path)
		} else {
			e.URL = "/ui/runs/" + run.Info.RunID + "/artifact?path=" + queryEscapePath(f.Path)
			if f.FileSize != nil {
				e.Size = runsSize(*f.FileSize)
			}
		}
		a.Entries = append(a.Entries, e)
	}
	return a, nil
}

// queryEscapePath escapes a path for a query value, keeping its slashes
// readable.
func queryEscapePath(p string) string {
	return strings.ReplaceAll(url.QueryEscape(p), "%2F", "/")
}

// runArtifact downloads one file of a run's artifacts through the
// artifact routes' streaming (digest-checked as it is sent).
func (d *dashboard) runArtifact(c *fiber.Ctx) error {
	run, err := d.s.deps.Tracking.GetRun(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return d.fail(c, err)
	}
	rel, err := artifactDir(c.Query("path"))
	if err != nil {
		return d.fail(c, err)
	}
	if rel == "" {
		return d.fail(c, errs.E(errs.Invalid, "name the artifact to download with ?path="))
	}
	key, ok, err := runArtifactKey(run, rel)
	if err != nil {
		return d.fail(c, err)
	}
	if !ok {
		return d.fail(c, errs.E(errs.NotFound, "this run keeps its artifacts outside Paddock, at %s", run.Info.ArtifactURI))
	}
	if err := d.s.streamArtifact(c, key); err != nil {
		return d.fail(c, err)
	}
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(rel)}))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return nil
}
