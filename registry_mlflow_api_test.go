package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// mlCall sends an MLflow registry request the way MLflow's Python client
// does: GET parameters in the query string, every other method (DELETE
// included) with a JSON body.
func mlCall(t *testing.T, in *instance, token, method, path string, body map[string]any) (int, []byte) {
	t.Helper()
	if method == "GET" {
		q := url.Values{}
		for k, v := range body {
			switch v := v.(type) {
			case []string:
				q[k] = v
			default:
				q.Set(k, toString(v))
			}
		}
		status, resp, _ := in.call("GET", "/api/2.0/mlflow"+path+"?"+q.Encode(), token, nil)
		return status, resp
	}
	b, _ := json.Marshal(body)
	status, resp, _ := in.call(method, "/api/2.0/mlflow"+path, token, bytes.NewReader(b), "Content-Type", "application/json")
	return status, resp
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func TestRegistryMLflowAPI(t *testing.T) {
	in := start(t, nil)
	m := mlflowClient{t, in}
	call := func(method, path string, body map[string]any) (int, []byte) {
		t.Helper()
		return mlCall(t, in, in.Admin, method, path, body)
	}
	ok := func(method, path string, body map[string]any) []byte {
		t.Helper()
		status, resp := call(method, path, body)
		m.ok(status, resp, nil)
		return resp
	}

	// Registered models.
	body := ok("POST", "/registered-models/create", map[string]any{"name": "churn", "description": "who leaves",
		"tags": []map[string]string{{"key": "team", "value": "growth"}}})
	registryGolden(t, "registry/mlflow_model_create", body)
	status, resp := call("POST", "/registered-models/create", map[string]any{"name": "churn"})
	mlflowErr(t, status, resp, 400, "RESOURCE_ALREADY_EXISTS")
	status, resp = call("POST", "/registered-models/create", map[string]any{})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	status, resp = call("GET", "/registered-models/get", map[string]any{"name": "nope"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")

	// Versions from the proxied artifact URI MLflow clients send, and
	// from runs:/.
	lr := logModelRun(t, in, "churn-training")
	body = ok("POST", "/model-versions/create", map[string]any{"name": "churn", "source": lr.ArtifactURI, "run_id": lr.ID,
		"tags": []map[string]string{{"key": "validated", "value": "false"}}, "description": "baseline"})
	registryGolden(t, "registry/mlflow_version_create", body)
	ok("POST", "/model-versions/create", map[string]any{"name": "churn", "source": "runs:/" + lr.ID + "/model"})
	status, resp = call("POST", "/model-versions/create", map[string]any{"name": "nope", "source": lr.ArtifactURI})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")
	status, resp = call("POST", "/model-versions/create", map[string]any{"name": "churn"})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	status, resp = call("POST", "/model-versions/create", map[string]any{"name": "churn", "source": "/etc/passwd"})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")

	status, resp = call("GET", "/model-versions/get", map[string]any{"name": "churn", "version": "9"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")
	status, resp = call("GET", "/model-versions/get", map[string]any{"name": "churn", "version": "one"})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	status, resp = call("GET", "/model-versions/get", map[string]any{"name": "churn"})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	ok("PATCH", "/model-versions/update", map[string]any{"name": "churn", "version": "2", "description": "retry"})
	ok("POST", "/model-versions/set-tag", map[string]any{"name": "churn", "version": "1", "key": "validated", "value": "true"})
	ok("POST", "/model-versions/set-tag", map[string]any{"name": "churn", "version": "2", "key": "tmp", "value": "x"})
	ok("DELETE", "/model-versions/delete-tag", map[string]any{"name": "churn", "version": "2", "key": "tmp"})
	status, resp = call("POST", "/model-versions/set-tag", map[string]any{"name": "churn", "version": "7", "key": "k", "value": "v"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")

	// Aliases.
	ok("POST", "/registered-models/alias", map[string]any{"name": "churn", "alias": "champion", "version": "1"})
	body = ok("GET", "/registered-models/alias", map[string]any{"name": "churn", "alias": "champion"})
	registryGolden(t, "registry/mlflow_version_by_alias", body)
	status, resp = call("GET", "/registered-models/alias", map[string]any{"name": "churn", "alias": "challenger"})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	if !strings.Contains(string(resp), "Registered model alias challenger not found.") {
		t.Errorf("unset alias message: %s", resp)
	}
	for _, bad := range []string{"latest", "v2", "no spaces"} {
		status, resp = call("POST", "/registered-models/alias", map[string]any{"name": "churn", "alias": bad, "version": "1"})
		mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	}
	status, resp = call("POST", "/registered-models/alias", map[string]any{"name": "churn", "alias": "x", "version": "5"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")
	ok("POST", "/registered-models/alias", map[string]any{"name": "churn", "alias": "challenger", "version": "2"})
	ok("DELETE", "/registered-models/alias", map[string]any{"name": "churn", "alias": "challenger"})

	// Legacy stages are aliases.
	ok("POST", "/model-versions/transition-stage", map[string]any{"name": "churn", "version": "1", "stage": "Production", "archive_existing_versions": false})
	body = ok("POST", "/model-versions/transition-stage", map[string]any{"name": "churn", "version": "2", "stage": "staging", "archive_existing_versions": false})
	if !strings.Contains(string(body), `"current_stage":"Staging"`) || !strings.Contains(string(body), `"aliases":["staging"]`) {
		t.Errorf("transition to staging: %s", body)
	}
	status, resp = call("POST", "/model-versions/transition-stage", map[string]any{"name": "churn", "version": "2", "stage": "Gone", "archive_existing_versions": false})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	body = ok("POST", "/registered-models/get-latest-versions", map[string]any{"name": "churn"})
	registryGolden(t, "registry/mlflow_latest_versions", body)
	body = ok("GET", "/registered-models/get-latest-versions", map[string]any{"name": "churn", "stages": []string{"Production"}})
	if strings.Count(string(body), `"version"`) != 1 || !strings.Contains(string(body), `"current_stage":"Production"`) {
		t.Errorf("latest Production: %s", body)
	}

	body = ok("GET", "/registered-models/get", map[string]any{"name": "churn"})
	registryGolden(t, "registry/mlflow_model_get", body)
	body = ok("GET", "/registered-models/search", map[string]any{"filter": "name LIKE 'ch%'", "max_results": 10})
	registryGolden(t, "registry/mlflow_models_search", body)
	body = ok("GET", "/model-versions/search", map[string]any{"filter": "name='churn'", "order_by": []string{"version_number ASC"}})
	registryGolden(t, "registry/mlflow_versions_search", body)
	if body = ok("GET", "/registered-models/search", map[string]any{"filter": "name = 'nothing'"}); string(body) != "{}" {
		t.Errorf("empty search: %s", body)
	}
	status, resp = call("GET", "/model-versions/search", map[string]any{"filter": "name =="})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")

	// Downloads go through the proxied artifact API, as MLflow clients do.
	var uri struct {
		ArtifactURI string `json:"artifact_uri"`
	}
	decode(t, ok("GET", "/model-versions/get-download-uri", map[string]any{"name": "churn", "version": "1"}), &uri)
	if !strings.HasPrefix(uri.ArtifactURI, "mlflow-artifacts:/models/") {
		t.Fatalf("download uri %q", uri.ArtifactURI)
	}
	path := "/api/2.0/mlflow-artifacts/artifacts/" + strings.TrimPrefix(uri.ArtifactURI, "mlflow-artifacts:/") + "/model.json"
	if status, got, _ := in.call("GET", path, in.Admin, nil); status != 200 || !bytes.Equal(got, lr.Files["model.json"]) {
		t.Fatalf("download model.json: %d, %d bytes", status, len(got))
	}

	// Renames, updates, deletions.
	body = ok("POST", "/registered-models/rename", map[string]any{"name": "churn", "new_name": "churn-eu"})
	if !strings.Contains(string(body), `"name":"churn-eu"`) {
		t.Errorf("rename: %s", body)
	}
	status, resp = call("POST", "/registered-models/rename", map[string]any{"name": "churn"})
	mlflowErr(t, status, resp, 400, "INVALID_PARAMETER_VALUE")
	ok("PATCH", "/registered-models/update", map[string]any{"name": "churn-eu", "description": "EU only"})
	ok("POST", "/registered-models/set-tag", map[string]any{"name": "churn-eu", "key": "region", "value": "eu"})
	ok("DELETE", "/registered-models/delete-tag", map[string]any{"name": "churn-eu", "key": "team"})
	status, resp = call("DELETE", "/registered-models/delete-tag", map[string]any{"name": "nope", "key": "team"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")
	ok("DELETE", "/model-versions/delete", map[string]any{"name": "churn-eu", "version": "2"})
	status, resp = call("DELETE", "/model-versions/delete", map[string]any{"name": "churn-eu", "version": "2"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")
	// The MLflow UI's prefix answers too.
	if status, resp, _ := in.call("GET", "/ajax-api/2.0/mlflow/registered-models/get?name=churn-eu", in.Admin, nil); status != 200 ||
		!strings.Contains(string(resp), `"region"`) || strings.Contains(string(resp), `"team"`) {
		t.Fatalf("ajax-api get: %d %s", status, resp)
	}
	ok("DELETE", "/registered-models/delete", map[string]any{"name": "churn-eu"})
	status, resp = call("GET", "/registered-models/get", map[string]any{"name": "churn-eu"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")

	// A viewer reads but does not write.
	viewer := createToken(t, in, "viewer")
	status, resp = mlCall(t, in, viewer, "POST", "/registered-models/create", map[string]any{"name": "x"})
	mlflowErr(t, status, resp, 403, "PERMISSION_DENIED")
	status, resp = mlCall(t, in, viewer, "POST", "/registered-models/get-latest-versions", map[string]any{"name": "x"})
	mlflowErr(t, status, resp, 404, "RESOURCE_DOES_NOT_EXIST")
}
