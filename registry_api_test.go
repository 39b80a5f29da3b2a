package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The native registry API: resources under /api/models with Paddock's
// error format (409 for duplicates, 404 for unknown names, 400 for bad
// input, 204 for deletions).
func TestRegistryNativeAPI(t *testing.T) {
	in := start(t, nil)
	editor := createToken(t, in, "editor")
	viewer := createToken(t, in, "viewer")
	call := func(method, path string, body any) (int, []byte) {
		t.Helper()
		return api(t, in, method, path, editor, body)
	}

	status, body := call("POST", "/api/models", map[string]any{"name": "churn", "description": "who leaves", "tags": []map[string]string{{"key": "team", "value": "growth"}}})
	if status != 201 || !strings.Contains(string(body), `"name":"churn"`) {
		t.Fatalf("create: %d %s", status, body)
	}
	status, body = call("POST", "/api/models", map[string]any{"name": "churn"})
	wantError(t, status, body, 409, "already_exists")
	status, body = call("POST", "/api/models", map[string]any{"name": "a/b"})
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("POST", "/api/models", map[string]any{"name": "x", "colour": "red"})
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("GET", "/api/models/nope", nil)
	wantError(t, status, body, 404, "not_found")
	status, body = api(t, in, "POST", "/api/models", viewer, map[string]any{"name": "v"})
	wantError(t, status, body, 403, "permission_denied")

	lr := logModelRun(t, in, "churn-training")
	status, body = call("POST", "/api/models/churn/versions", map[string]any{"source": "runs:/" + lr.ID + "/model", "semver": "1.0.0", "description": "baseline"})
	if status != 201 {
		t.Fatalf("create version: %d %s", status, body)
	}
	var v1 struct {
		Version, Status, Semver, Flavor string
		ArtifactDigest                  string `json:"artifact_digest"`
		Metrics                         []struct{ Key string }
	}
	decode(t, body, &v1)
	if v1.Version != "1" || v1.Status != "READY" || v1.Semver != "1.0.0" || v1.Flavor != "xgboost" || !strings.HasPrefix(v1.ArtifactDigest, "sha256:") ||
		len(v1.Metrics) != 1 || v1.Metrics[0].Key != "auc" {
		t.Fatalf("version 1: %s", body)
	}
	registryGolden(t, "registry/api_version", body)
	for _, bad := range []map[string]any{
		{"source": "runs:/" + lr.ID + "/model", "semver": "1.0"},
		{"source": "runs:/" + lr.ID + "/model", "semver": "01.0.0"},
		{"source": "runs:/" + lr.ID + "/model", "flavor": "pytorch"},
		{"source": "file:///etc"},
	} {
		status, body = call("POST", "/api/models/churn/versions", bad)
		wantError(t, status, body, 400, "invalid_argument")
	}
	status, body = call("POST", "/api/models/churn/versions", map[string]any{"source": "models:/churn/1", "semver": "1.0.0"})
	wantError(t, status, body, 409, "already_exists")
	status, body = call("POST", "/api/models/churn/versions", map[string]any{"source": "models:/churn/1", "semver": "1.1.0", "parent_version": 1})
	if status != 201 || !strings.Contains(string(body), `"parent_version":1`) {
		t.Fatalf("retrained version: %d %s", status, body)
	}
	status, body = call("PATCH", "/api/models/churn/versions/2", map[string]any{"semver": "x.y.z"})
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("PATCH", "/api/models/churn/versions/2", map[string]any{"description": "same files, new label", "semver": "1.2.0"})
	if status != 200 || !strings.Contains(string(body), `"semver":"1.2.0"`) {
		t.Fatalf("patch version: %d %s", status, body)
	}
	status, body = call("GET", "/api/models/churn/versions/7", nil)
	wantError(t, status, body, 404, "not_found")
	status, body = call("GET", "/api/models/churn/versions/seven", nil)
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("PUT", "/api/models/churn/versions/1/tags/validated", map[string]any{"value": "yes"})
	if status != 200 || !strings.Contains(string(body), `"validated"`) {
		t.Fatalf("version tag: %d %s", status, body)
	}
	if status, body = call("DELETE", "/api/models/churn/versions/1/tags/validated", nil); status != 204 {
		t.Fatalf("delete version tag: %d %s", status, body)
	}
	status, body = call("GET", "/api/models/churn/versions?order_by=version_number+ASC", nil)
	if status != 200 || strings.Index(string(body), `"version":"1"`) > strings.Index(string(body), `"version":"2"`) {
		t.Fatalf("list versions: %d %s", status, body)
	}
	status, body = call("GET", "/api/models/churn/versions/1/files", nil)
	if status != 200 || strings.Count(string(body), `"digest":"sha256:`) != len(lr.Files) {
		t.Fatalf("files: %d %s", status, body)
	}

	// Aliases.
	status, body = call("PUT", "/api/models/churn/aliases/alpha", map[string]any{"version": 2, "reason": "try the new label"})
	if status != 200 || !strings.Contains(string(body), `"aliases":["alpha"]`) {
		t.Fatalf("set alias: %d %s", status, body)
	}
	for alias, code := range map[string]int{"latest": 400, "v1": 400, "two%20words": 400} {
		status, body = call("PUT", "/api/models/churn/aliases/"+alias, map[string]any{"version": 1})
		wantError(t, status, body, code, "invalid_argument")
	}
	status, body = call("PUT", "/api/models/churn/aliases/beta", map[string]any{"version": 9})
	wantError(t, status, body, 404, "not_found")
	status, body = call("PUT", "/api/models/churn/aliases/beta", map[string]any{})
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("GET", "/api/models/churn/aliases/alpha", nil)
	if status != 200 || !strings.Contains(string(body), `"version":"2"`) {
		t.Fatalf("get alias: %d %s", status, body)
	}
	status, body = call("GET", "/api/models/churn/aliases/beta", nil)
	wantError(t, status, body, 404, "not_found")
	if status, body = call("GET", "/api/models/churn/aliases", nil); status != 200 || !strings.Contains(string(body), `{"alias":"alpha","version":2}`) {
		t.Fatalf("list aliases: %d %s", status, body)
	}
	status, body = call("POST", "/api/models/churn/versions/1/stage", map[string]any{"stage": "Production", "reason": "go live"})
	if status != 200 || !strings.Contains(string(body), `"current_stage":"Production"`) {
		t.Fatalf("stage: %d %s", status, body)
	}
	if status, body = call("DELETE", "/api/models/churn/aliases/alpha", nil); status != 204 {
		t.Fatalf("delete alias: %d %s", status, body)
	}

	// Models: tags, rename, delete.
	if status, body = call("PUT", "/api/models/churn/tags/owner", map[string]any{"value": "ana"}); status != 200 {
		t.Fatalf("model tag: %d %s", status, body)
	}
	status, body = call("PUT", "/api/models/churn/tags/owner", map[string]any{})
	wantError(t, status, body, 400, "invalid_argument")
	call("PUT", "/api/models/churn/tags/tmp", map[string]any{"value": "1"})
	if status, body = call("DELETE", "/api/models/churn/tags/tmp", nil); status != 204 {
		t.Fatalf("delete model tag: %d %s", status, body)
	}
	if status, body = call("GET", "/api/models/churn", nil); strings.Contains(string(body), `"tmp"`) || !strings.Contains(string(body), `"owner"`) {
		t.Fatalf("tags after delete: %d %s", status, body)
	}
	status, body = call("GET", "/api/models/nope/versions", nil)
	wantError(t, status, body, 404, "not_found")
	status, body = call("POST", "/api/models/nope/versions", map[string]any{"source": "s3://b/k"})
	wantError(t, status, body, 404, "not_found")
	status, body = call("PATCH", "/api/models/churn", map[string]any{"name": "churn-eu", "description": "EU only"})
	if status != 200 || !strings.Contains(string(body), `"name":"churn-eu"`) || !strings.Contains(string(body), `"EU only"`) {
		t.Fatalf("rename: %d %s", status, body)
	}
	call("POST", "/api/models", map[string]any{"name": "other"})
	status, body = call("PATCH", "/api/models/churn-eu", map[string]any{"name": "other"})
	wantError(t, status, body, 409, "already_exists")
	status, body = call("GET", "/api/models?filter=name+LIKE+%27churn%25%27", nil)
	if status != 200 || !strings.Contains(string(body), `"churn-eu"`) || strings.Contains(string(body), `"other"`) {
		t.Fatalf("search: %d %s", status, body)
	}
	status, body = call("GET", "/api/models?filter=owner+%3D+1", nil)
	wantError(t, status, body, 400, "invalid_argument")
	if status, body = call("DELETE", "/api/models/churn-eu/versions/2", nil); status != 204 {
		t.Fatalf("delete version: %d %s", status, body)
	}
	if status, body = call("DELETE", "/api/models/churn-eu", nil); status != 204 {
		t.Fatalf("delete model: %d %s", status, body)
	}
	status, body = call("DELETE", "/api/models/churn-eu", nil)
	wantError(t, status, body, 404, "not_found")
}

// writeConfig writes a configuration file for start(..., "--config", f).
func writeConfig(t *testing.T, yml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "paddock.yaml")
	if err := os.WriteFile(p, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// An approval-gated alias cannot be moved by an editor: the move becomes
// a request (202); an admin's approval moves it; the audit log shows the
// request, the approval and the move with their actors.
func TestApprovalGatedAliasOverHTTP(t *testing.T) {
	cfg := writeConfig(t, "registry:\n  approvals:\n    churn:\n      aliases: [production]\n")
	in := start(t, nil, "--config", cfg)
	editor := createToken(t, in, "editor")
	lr := logModelRun(t, in, "churn-training")
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/models", map[string]any{"name": "churn"}},
		{"POST", "/api/models/churn/versions", map[string]any{"source": "runs:/" + lr.ID + "/model"}},
		{"POST", "/api/models/churn/versions", map[string]any{"source": "runs:/" + lr.ID + "/model"}},
	} {
		if status, body := api(t, in, req.method, req.path, editor, req.body); status != 201 {
			t.Fatalf("%s %s: %d %s", req.method, req.path, status, body)
		}
	}
	if status, body := api(t, in, "PUT", "/api/models/churn/aliases/production", in.Admin, map[string]any{"version": 1}); status != 200 {
		t.Fatalf("admin sets production: %d %s", status, body)
	}
	status, body := api(t, in, "GET", "/api/models/churn/approval-policy", editor, nil)
	if status != 200 || !strings.Contains(string(body), `"source":"config"`) || !strings.Contains(string(body), `"aliases":["production"]`) {
		t.Fatalf("policy: %d %s", status, body)
	}
	status, body = api(t, in, "PUT", "/api/models/churn/approval-policy", in.Admin, map[string]any{"aliases": []string{}})
	wantError(t, status, body, 409, "conflict")
	status, body = api(t, in, "PUT", "/api/models/churn/approval-policy", editor, map[string]any{"aliases": []string{}})
	wantError(t, status, body, 403, "permission_denied")

	// The editor's move is a request.
	status, body = api(t, in, "PUT", "/api/models/churn/aliases/production", editor, map[string]any{
		"version": 2, "reason": "AUC 0.93 vs 0.91", "evidence": []string{"https://paddock.example/runs/" + lr.ID}})
	if status != 202 {
		t.Fatalf("editor moves production: %d %s", status, body)
	}
	var pending struct {
		Request struct {
			ID          int64
			Status      string
			Version     int64
			FromVersion int64  `json:"from_version"`
			RequestedBy string `json:"requested_by"`
		} `json:"approval_request"`
	}
	decode(t, body, &pending)
	req := pending.Request
	if req.ID == 0 || req.Status != "pending" || req.Version != 2 || req.FromVersion != 1 || !strings.HasPrefix(req.RequestedBy, "token:editor") {
		t.Fatalf("request: %s", body)
	}
	registryGolden(t, "registry/api_approval_request", body)
	// The MLflow route gates the same way.
	status, body = mlCall(t, in, editor, "POST", "/registered-models/alias", map[string]any{"name": "churn", "alias": "production", "version": "2"})
	if status != 202 || !strings.Contains(string(body), fmt.Sprintf(`"id":%d`, req.ID)) {
		t.Fatalf("MLflow alias by an editor: %d %s", status, body)
	}
	status, body = mlCall(t, in, editor, "POST", "/model-versions/transition-stage", map[string]any{"name": "churn", "version": "2", "stage": "Production", "archive_existing_versions": true})
	if status != 202 {
		t.Fatalf("MLflow transition by an editor: %d %s", status, body)
	}
	if status, body = api(t, in, "GET", "/api/models/churn/aliases/production", editor, nil); !strings.Contains(string(body), `"version":"1"`) {
		t.Fatalf("production moved without approval: %d %s", status, body)
	}
	status, body = api(t, in, "POST", fmt.Sprintf("/api/approvals/%d/approve", req.ID), editor, map[string]any{"comment": "self"})
	wantError(t, status, body, 403, "permission_denied")
	if status, body = api(t, in, "GET", "/api/approvals?status=pending", editor, nil); status != 200 || !strings.Contains(string(body), `"status":"pending"`) {
		t.Fatalf("pending list: %d %s", status, body)
	}

	// The admin approves: production moves.
	status, body = api(t, in, "POST", fmt.Sprintf("/api/approvals/%d/approve", req.ID), in.Admin, map[string]any{"comment": "numbers check out"})
	if status != 200 || !strings.Contains(string(body), `"status":"approved"`) {
		t.Fatalf("approve: %d %s", status, body)
	}
	if status, body = api(t, in, "GET", "/api/models/churn/aliases/production", editor, nil); !strings.Contains(string(body), `"version":"2"`) {
		t.Fatalf("production after approval: %d %s", status, body)
	}
	status, body = api(t, in, "POST", fmt.Sprintf("/api/approvals/%d/reject", req.ID), in.Admin, nil)
	wantError(t, status, body, 409, "conflict")
	status, body = api(t, in, "POST", "/api/approvals/999/approve", in.Admin, nil)
	wantError(t, status, body, 404, "not_found")
	status, body = api(t, in, "GET", "/api/approvals/x", editor, nil)
	wantError(t, status, body, 400, "invalid_argument")
	if status, body = api(t, in, "GET", fmt.Sprintf("/api/approvals/%d", req.ID), editor, nil); status != 200 ||
		!strings.Contains(string(body), `"decided_by":"token:admin`) || !strings.Contains(string(body), `"comment":"numbers check out"`) {
		t.Fatalf("get approval: %d %s", status, body)
	}

	// Policies through the API, for a model the file does not name.
	api(t, in, "POST", "/api/models", editor, map[string]any{"name": "fraud"})
	status, body = api(t, in, "PUT", "/api/models/fraud/approval-policy", in.Admin, map[string]any{"aliases": []string{"alpha"}})
	if status != 200 || !strings.Contains(string(body), `"source":"api"`) {
		t.Fatalf("set policy: %d %s", status, body)
	}
	status, body = api(t, in, "PUT", "/api/models/fraud/approval-policy", in.Admin, map[string]any{"aliases": []string{"v1"}})
	wantError(t, status, body, 400, "invalid_argument")
	status, body = api(t, in, "DELETE", "/api/models/fraud/approval-policy", editor, nil)
	wantError(t, status, body, 403, "permission_denied")
	if status, body = api(t, in, "DELETE", "/api/models/fraud/approval-policy", in.Admin, nil); status != 200 || !strings.Contains(string(body), `"source":"none"`) {
		t.Fatalf("delete policy: %d %s", status, body)
	}
	// Guarded aliases cannot be dropped by deleting what they point to.
	status, body = api(t, in, "DELETE", "/api/models/churn/versions/2", editor, nil)
	wantError(t, status, body, 403, "permission_denied")

	// The audit log shows request, approval and move with their actors.
	status, body = api(t, in, "GET", "/api/audit?order=asc&action=registry.*", editor, nil)
	if status != 200 {
		t.Fatalf("audit: %d %s", status, body)
	}
	var log struct {
		Events []struct {
			Actor, Action, Reason string
			Resource              struct{ Kind, ID string }
		}
	}
	decode(t, body, &log)
	var story []string
	for _, e := range log.Events {
		if strings.HasPrefix(e.Action, "registry.approval.") || e.Resource.ID == "churn@production" {
			story = append(story, e.Action+" by "+strings.Fields(e.Actor)[0])
		}
	}
	// The editor's MLflow alias call and stage transition asked for the
	// same move: they joined the first request instead of filing more.
	want := []string{
		"registry.alias.set by token:admin", // the admin's own, direct move
		"registry.approval.request by token:editor-token",
		"registry.alias.set by token:admin",
		"registry.approval.approve by token:admin",
	}
	if !slices.Equal(story, want) {
		t.Fatalf("audit story:\n got %v\nwant %v", story, want)
	}
	for _, e := range log.Events {
		if e.Action == "registry.alias.set" && e.Resource.ID == "churn@production" && strings.Contains(e.Reason, "approval request") {
			if !strings.Contains(e.Reason, "token:editor-token") || !strings.Contains(e.Reason, "AUC 0.93") {
				t.Errorf("the approved move does not name its request: %q", e.Reason)
			}
			return
		}
	}
	t.Error("no move names the approval request")
}
