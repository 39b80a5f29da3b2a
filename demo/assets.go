package demo

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
)

// assets holds what scripts/demo/make_demo.py wrote.
//
//go:embed assets
var assets embed.FS

// manifest is assets/runs.json.
type manifest struct {
	GeneratedBy string            `json:"generated_by"`
	Libraries   map[string]string `json:"libraries"`
	Experiments []experimentSpec  `json:"experiments"`
	Runs        []runSpec         `json:"runs"`
	Models      []modelSpec       `json:"models"`
}

type experimentSpec struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
}

// runSpec is one training run as the script recorded it.
type runSpec struct {
	Key        string             `json:"key"`
	Experiment string             `json:"experiment"`
	Name       string             `json:"name"`
	DaysAgo    float64            `json:"days_ago"`
	DurationS  float64            `json:"duration_s"`
	User       string             `json:"user"`
	Source     string             `json:"source"`
	Commit     string             `json:"commit"`
	Params     map[string]string  `json:"params"`
	Dataset    datasetSpec        `json:"dataset"`
	Metrics    map[string]float64 `json:"metrics"`
	// History holds each curve's value per step, from step 0.
	History map[string][]float64 `json:"history"`
	// Model is the run's model directory under assets/models, "" when
	// the run was not registered.
	Model string `json:"model"`
}

type datasetSpec struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
	Source string `json:"source"`
	Rows   int    `json:"rows"`
}

type modelSpec struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	Versions    []versionSpec     `json:"versions"`
	// Aliases maps an alias to a version number.
	Aliases map[string]int64 `json:"aliases"`
}

type versionSpec struct {
	Run         string `json:"run"`
	Description string `json:"description"`
}

// sample is one model's traffic in assets/traffic.json.
type sample struct {
	Columns []string          `json:"columns"`
	Rows    [][]any           `json:"rows"`
	Labels  []json.RawMessage `json:"labels"`
}

// trafficFile is assets/traffic.json.
type trafficFile struct {
	Churn sample `json:"churn"`
	Email sample `json:"email-intent"`
	// Expected holds each version's own outputs on the first rows, by
	// model directory ("churn/2").
	Expected map[string]json.RawMessage `json:"expected"`
}

func readManifest() (*manifest, error) {
	var m manifest
	if err := readJSON("assets/runs.json", &m); err != nil {
		return nil, err
	}
	runs := map[string]bool{}
	for _, r := range m.Runs {
		runs[r.Key] = true
	}
	for _, md := range m.Models {
		if len(md.Versions) == 0 {
			return nil, fmt.Errorf("demo assets: model %s has no versions", md.Name)
		}
		for _, v := range md.Versions {
			if !runs[v.Run] {
				return nil, fmt.Errorf("demo assets: model %s names unknown run %q", md.Name, v.Run)
			}
		}
	}
	return &m, nil
}

func readTraffic() (*trafficFile, error) {
	var t trafficFile
	if err := readJSON("assets/traffic.json", &t); err != nil {
		return nil, err
	}
	for name, s := range map[string]sample{"churn": t.Churn, "email-intent": t.Email} {
		if len(s.Rows) == 0 || len(s.Rows) != len(s.Labels) {
			return nil, fmt.Errorf("demo assets: traffic for %s has %d rows and %d labels", name, len(s.Rows), len(s.Labels))
		}
	}
	return &t, nil
}

func readJSON(name string, v any) error {
	b, err := assets.ReadFile(name)
	if err != nil {
		return fmt.Errorf("demo assets: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("demo assets: %s: %w", name, err)
	}
	return nil
}

// modelFiles lists the files of a model directory under assets/models.
func modelFiles(dir string) ([]string, error) {
	root := path.Join("assets/models", dir)
	entries, err := fs.ReadDir(assets, root)
	if err != nil {
		return nil, fmt.Errorf("demo assets: model %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, e.Name())
		}
	}
	return files, nil
}
