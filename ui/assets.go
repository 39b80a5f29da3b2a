package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

// static holds app.css and charts.js (committed) and vendor/ (fetched by
// scripts/assets.sh, gitignored). Embedding the directory rather than the
// vendor files keeps a plain `go build` of a fresh clone compiling.
//
//go:embed static
var static embed.FS

// Names of the vendored files, as scripts/assets.sh extracts them.
const (
	AppCSS   = "app.css"
	ChartsJS = "charts.js"
	LogTail  = "logtail.js"
	HTMXJS   = "vendor/htmx.min.js"
	UPlotJS  = "vendor/uPlot.iife.min.js"
	UPlotCSS = "vendor/uPlot.min.css"
)

// Asset is one static file with its content hash.
type Asset struct {
	Name        string
	Hash        string
	ContentType string
	Body        []byte
}

// Assets are the dashboard's static files, addressed by content hash so
// they can be cached forever: a new build with a changed file gets a new
// URL.
type Assets struct {
	byName map[string]Asset
}

// StaticAssets returns the assets embedded in the binary.
func StaticAssets() (*Assets, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	return NewAssets(sub)
}

// NewAssets reads every file of fsys and hashes it.
func NewAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]Asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read asset %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byName[name] = Asset{Name: name, Hash: hex.EncodeToString(sum[:6]), ContentType: ct, Body: body}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// URL returns the content-hashed URL of the named asset, or "" when the
// build does not carry it (vendor files missing): pages then leave it out.
func (a *Assets) URL(name string) string {
	f, ok := a.byName[name]
	if !ok {
		return ""
	}
	return "/static/" + f.Hash + "/" + name
}

// Lookup finds the asset a hashed URL names; an old hash is not found,
// so a cached page never gets a newer file under an old URL.
func (a *Assets) Lookup(hash, name string) (Asset, bool) {
	f, ok := a.byName[strings.TrimPrefix(name, "/")]
	if !ok || f.Hash != hash {
		return Asset{}, false
	}
	return f, true
}

// Links returns the URLs a page layout needs.
func (a *Assets) Links() AssetLinks {
	return AssetLinks{CSS: a.URL(AppCSS), HTMX: a.URL(HTMXJS), UPlotJS: a.URL(UPlotJS), UPlotCSS: a.URL(UPlotCSS), ChartsJS: a.URL(ChartsJS), LogTail: a.URL(LogTail)}
}

// NoAssets is an empty set: pages render without styles or scripts.
func NoAssets() *Assets { return &Assets{byName: map[string]Asset{}} }
