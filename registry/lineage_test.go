package registry

import (
	"context"
	"slices"
	"testing"

	"github.com/paddockml/paddock/errs"
)

func TestLineageBackToTheRunAndForwardFromIt(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("churn")
	tr := e.trainRun()
	e.register("churn", tr)
	one := int64(1)
	retrained, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "churn", Source: "runs:/" + tr.ID + "/model", ParentVersion: &one})
	if err != nil {
		t.Fatal(err)
	}

	l, err := e.reg.Lineage(ctx, "churn", 1)
	if err != nil {
		t.Fatal(err)
	}
	r := l.Run
	if r == nil || !r.Found || r.RunID != tr.ID || r.SourceCommit != tr.Commit || r.SourceName != "train.py" || r.Status == "" {
		t.Fatalf("run lineage %+v", r)
	}
	if len(r.Datasets) != 1 || r.Datasets[0].Digest != tr.Digest || r.Datasets[0].Context != "training" || r.Datasets[0].Name != "churn-2025-02" {
		t.Fatalf("datasets %+v", r.Datasets)
	}
	params := map[string]string{}
	for _, p := range r.Params {
		params[p.Key] = p.Value
	}
	if params["max_depth"] != "6" || params["eta"] != "0.3" || len(r.Metrics) != 1 || r.Metrics[0].Value != 0.93 {
		t.Fatalf("params %v metrics %+v", params, r.Metrics)
	}
	if l.Parent != nil || len(l.Children) != 1 || l.Children[0].Version != retrained.Version {
		t.Fatalf("family of v1: parent %+v children %+v", l.Parent, l.Children)
	}
	if l2, _ := e.reg.Lineage(ctx, "churn", retrained.Version); l2.Parent == nil || l2.Parent.Version != 1 {
		t.Fatalf("parent of v2: %+v", l2.Parent)
	}

	want := []int64{1, 2}
	for name, get := range map[string]func() ([]VersionRef, error){
		"run":     func() ([]VersionRef, error) { return e.reg.VersionsFromRun(ctx, tr.ID) },
		"dataset": func() ([]VersionRef, error) { return e.reg.VersionsFromDataset(ctx, tr.Digest) },
	} {
		refs, err := get()
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range refs {
			got = append(got, r.Version)
		}
		if !slices.Equal(got, want) {
			t.Errorf("versions from %s: %v, want %v", name, got, want)
		}
	}
	if refs, _ := e.reg.VersionsFromDataset(ctx, "no-such-digest"); len(refs) != 0 {
		t.Errorf("unknown digest: %+v", refs)
	}
	if _, err := e.reg.VersionsFromRun(ctx, ""); !errs.Is(err, errs.Invalid) {
		t.Errorf("empty run id: %v", err)
	}
	// A run that lives elsewhere is named, not found.
	ext, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "churn", Source: "s3://b/m", RunID: "remote123", RunLink: "https://mlflow.example/#/runs/remote123"})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := e.reg.Lineage(ctx, "churn", ext.Version); l.Run == nil || l.Run.Found || l.Run.RunLink == "" {
		t.Fatalf("remote run %+v", l.Run)
	}
}
