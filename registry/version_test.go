package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

func TestRegisterFromRunCopiesFilesAndReadsTheModel(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("churn")
	tr := e.trainRun()
	v := e.register("churn", tr)

	if v.Version != 1 || v.RunID != tr.ID || v.Source != "runs:/"+tr.ID+"/model" || v.UserID != "token:editor" || v.Stage != StageNone {
		t.Fatalf("version %+v", v)
	}
	if v.Flavor != FlavorXGBoost {
		t.Errorf("flavor %q, want xgboost (from the MLmodel)", v.Flavor)
	}
	var sig map[string]string
	mustJSON(t, v.Signature, &sig)
	if !strings.Contains(sig["inputs"], `"name": "f0"`) || !strings.Contains(sig["outputs"], "float32") {
		t.Errorf("signature %v", sig)
	}
	if len(v.Metrics) != 1 || v.Metrics[0].Key != "auc" || v.Metrics[0].Value != 0.93 || v.Metrics[0].Step != 1 {
		t.Errorf("metrics copied from the run: %+v", v.Metrics)
	}
	if !strings.HasPrefix(v.ArtifactURI, "mlflow-artifacts:/models/") || !strings.HasPrefix(v.ArtifactDigest, "sha256:") {
		t.Errorf("artifact uri %q digest %q", v.ArtifactURI, v.ArtifactDigest)
	}
	files, err := e.reg.Files(ctx, "churn", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tr.Files) {
		t.Fatalf("manifest %+v, want %d files", files, len(tr.Files))
	}
	for _, f := range files {
		rc, info, err := e.store.Get(ctx, v.prefix+"/"+f.Path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, tr.Files[f.Path]) || info.Digest != f.Digest {
			t.Errorf("copied %s: %d bytes, digest %s vs manifest %s, %v", f.Path, len(got), info.Digest, f.Digest, err)
		}
	}
	if manifestDigest(files) != v.ArtifactDigest {
		t.Error("artifact digest is not the manifest's")
	}
	// Registration is audited: created pending, then ready.
	evs := e.events(audit.Query{ResourceKind: "model_version", ResourceID: "churn/1"})
	if !slices.Equal(actions(evs), []string{"registry.version.create", "registry.version.ready"}) {
		t.Fatalf("audit %v", actions(evs))
	}
	var pending, ready Version
	mustJSON(t, evs[1].Before, &pending)
	mustJSON(t, evs[1].After, &ready)
	if pending.Status != StatusPending || ready.Status != StatusReady {
		t.Errorf("ready event: %s → %s", pending.Status, ready.Status)
	}
}

func TestVersionNumbersAreNeverReused(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("m")
	tr := e.trainRun()
	e.register("m", tr)
	e.register("m", tr)
	if err := e.reg.DeleteVersion(ctx, editor, "m", 2); err != nil {
		t.Fatal(err)
	}
	if v := e.register("m", tr); v.Version != 3 {
		t.Fatalf("after deleting 2 the next version is %d, want 3", v.Version)
	}
	if _, err := e.reg.GetVersion(ctx, "m", 2); !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), "Model Version (name=m, version=2) not found") {
		t.Fatalf("deleted version: %v", err)
	}
	if infos, _ := e.store.List(ctx, "mlartifacts/models"); len(infos) != 2*len(tr.Files) {
		t.Errorf("%d files left in the store, want those of versions 1 and 3 only", len(infos))
	}
}

func TestRegistrationFailuresAndBadRequests(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("m")
	tr := e.trainRun()

	// No files at the source: the version exists but failed.
	v, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "m", Source: "runs:/" + tr.ID + "/nothing-here"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != StatusFailed || !strings.Contains(v.StatusMessage, "no files") {
		t.Fatalf("empty source: %s %q", v.Status, v.StatusMessage)
	}
	if _, err := e.reg.SetAlias(ctx, admin, "m", "production", v.Version, Justification{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("alias on a failed version: %v", err)
	}

	// An external source is referenced, not copied.
	ext, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "m", Source: "s3://bucket/models/churn", Flavor: FlavorONNX})
	if err != nil || ext.Status != StatusReady || ext.ArtifactURI != "s3://bucket/models/churn" || ext.Flavor != FlavorONNX || ext.ArtifactDigest != "" {
		t.Fatalf("external: %+v %v", ext, err)
	}
	if _, err := e.reg.OpenArchive(ctx, "m", ext.Version); !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("download of an external version: %v", err)
	}

	parent := int64(99)
	cases := []struct {
		name string
		req  CreateVersionRequest
		code errs.Code
	}{
		{"unknown model", CreateVersionRequest{Model: "nope", Source: "s3://b/k"}, errs.NotFound},
		{"no source", CreateVersionRequest{Model: "m"}, errs.Invalid},
		{"local path", CreateVersionRequest{Model: "m", Source: "/tmp/model"}, errs.Invalid},
		{"file uri", CreateVersionRequest{Model: "m", Source: "file:///etc"}, errs.Invalid},
		{"traversal", CreateVersionRequest{Model: "m", Source: "mlflow-artifacts:/1/../../etc"}, errs.Invalid},
		{"remote traversal", CreateVersionRequest{Model: "m", Source: "s3://b/a/%2e%2e/x"}, errs.Invalid},
		{"unknown run", CreateVersionRequest{Model: "m", Source: "runs:/0123456789abcdef0123456789abcdef/model"}, errs.NotFound},
		{"run mismatch", CreateVersionRequest{Model: "m", Source: "runs:/" + tr.ID + "/model", RunID: "ffff"}, errs.Invalid},
		{"bad semver", CreateVersionRequest{Model: "m", Source: "s3://b/k", Semver: "1.2"}, errs.Invalid},
		{"bad flavor", CreateVersionRequest{Model: "m", Source: "s3://b/k", Flavor: "pytorch"}, errs.Invalid},
		{"bad signature", CreateVersionRequest{Model: "m", Source: "s3://b/k", Signature: json.RawMessage(`[1]`)}, errs.Invalid},
		{"missing parent", CreateVersionRequest{Model: "m", Source: "s3://b/k", ParentVersion: &parent}, errs.NotFound},
		{"unknown models: source", CreateVersionRequest{Model: "m", Source: "models:/m@nope"}, errs.NotFound},
	}
	for _, tc := range cases {
		if _, err := e.reg.CreateVersion(ctx, editor, tc.req); !errs.Is(err, tc.code) {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestSemverParentAndCopyFromAnotherVersion(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("m")
	e.model("m-prod")
	tr := e.trainRun()
	v1, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "m", Source: "runs:/" + tr.ID + "/model", Semver: "1.0.0"})
	if err != nil || v1.Semver != "1.0.0" {
		t.Fatalf("%+v %v", v1, err)
	}
	one := int64(1)
	v2, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "m", Source: "models:/m/1", Semver: "1.1.0", ParentVersion: &one})
	if err != nil || v2.Status != StatusReady || *v2.ParentVersion != 1 || v2.ArtifactDigest != v1.ArtifactDigest {
		t.Fatalf("copy of version 1: %+v %v", v2, err)
	}
	if _, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "m", Source: "models:/m/1", Semver: "1.1.0"}); !errs.Is(err, errs.AlreadyExists) {
		t.Fatalf("duplicate semver: %v", err)
	}
	label := "2.0.0"
	if v, err := e.reg.UpdateVersion(ctx, editor, "m", 2, VersionUpdate{Semver: &label}); err != nil || v.Semver != "2.0.0" {
		t.Fatalf("relabel: %+v %v", v, err)
	}
	bad := "2.0"
	if _, err := e.reg.UpdateVersion(ctx, editor, "m", 2, VersionUpdate{Semver: &bad}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad label: %v", err)
	}
	if _, err := e.reg.SetAlias(ctx, editor, "m", "champion", 2, Justification{}); err != nil {
		t.Fatal(err)
	}
	v3, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "m-prod", Source: "models:/m@champion"})
	if err != nil || v3.ArtifactDigest != v1.ArtifactDigest {
		t.Fatalf("copy through an alias: %+v %v", v3, err)
	}
	desc := "notes"
	if v, err := e.reg.UpdateVersion(ctx, editor, "m", 1, VersionUpdate{Description: &desc}); err != nil || v.Description != "notes" {
		t.Fatalf("describe: %+v %v", v, err)
	}
	if err := e.reg.SetVersionTag(ctx, editor, "m", 1, Tag{Key: "validated", Value: "yes"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.reg.GetVersion(ctx, "m", 1); len(v.Tags) != 1 || v.Tags[0].Value != "yes" {
		t.Fatalf("tags %+v", v.Tags)
	}
	if err := e.reg.DeleteVersionTag(ctx, editor, "m", 1, "validated"); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.SetVersionTag(ctx, editor, "m", 9, Tag{Key: "k", Value: "v"}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("tag on a missing version: %v", err)
	}
}

func TestResolveModelURIs(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("m")
	tr := e.trainRun()
	e.register("m", tr)
	e.register("m", tr)
	if _, err := e.reg.SetAlias(ctx, editor, "m", "alpha", 1, Justification{}); err != nil {
		t.Fatal(err)
	}
	for uri, want := range map[string]int64{"models:/m/1": 1, "models:/m/latest": 2, "models:/m@alpha": 1, "models:///m/2": 2} {
		v, err := e.reg.Resolve(ctx, uri)
		if err != nil || v.Version != want {
			t.Errorf("%s → %d, %v (want %d)", uri, v.Version, err, want)
		}
	}
	for uri, code := range map[string]errs.Code{"models:/m": errs.Invalid, "models:/m/x": errs.Invalid, "models:/m@beta": errs.NotFound,
		"models:/nope/1": errs.NotFound, "runs:/x": errs.Invalid} {
		if _, err := e.reg.Resolve(ctx, uri); !errs.Is(err, code) {
			t.Errorf("%s: err = %v, want %s", uri, err, code)
		}
	}
}
