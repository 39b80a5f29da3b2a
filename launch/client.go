package launch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// client is the little of the MLflow REST API a launch needs.
type client struct {
	base, token string
	http        *http.Client
}

func defaultHTTP() *http.Client { return &http.Client{Timeout: 60 * time.Second} }

func (c *client) do(ctx context.Context, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("tracking server %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s: unexpected answer: %w", path, err)
		}
	}
	return resp.StatusCode, nil
}

// experimentID finds the experiment by name, creating it when missing.
func (c *client) experimentID(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "0", nil
	}
	var got struct {
		Experiment struct {
			ID string `json:"experiment_id"`
		} `json:"experiment"`
	}
	status, err := c.do(ctx, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name="+url.QueryEscape(name), nil, &got)
	if err == nil {
		return got.Experiment.ID, nil
	}
	if status != http.StatusNotFound {
		return "", err
	}
	var created struct {
		ID string `json:"experiment_id"`
	}
	_, err = c.do(ctx, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": name}, &created)
	return created.ID, err
}

type createdRun struct{ runID, artifactURI string }

func (c *client) createRun(ctx context.Context, expID, name string, tags map[string]string) (createdRun, error) {
	var out struct {
		Run struct {
			Info struct {
				RunID       string `json:"run_id"`
				ArtifactURI string `json:"artifact_uri"`
			} `json:"info"`
		} `json:"run"`
	}
	body := map[string]any{"experiment_id": expID, "start_time": time.Now().UnixMilli(), "tags": kvs(tags)}
	if name != "" {
		body["run_name"] = name
	}
	_, err := c.do(ctx, "POST", "/api/2.0/mlflow/runs/create", body, &out)
	return createdRun{runID: out.Run.Info.RunID, artifactURI: out.Run.Info.ArtifactURI}, err
}

func (c *client) logParams(ctx context.Context, runID string, params map[string]string) error {
	if len(params) == 0 {
		return nil
	}
	_, err := c.do(ctx, "POST", "/api/2.0/mlflow/runs/log-batch", map[string]any{"run_id": runID, "params": kvs(params)}, nil)
	return err
}

func (c *client) finish(ctx context.Context, runID, status string) error {
	_, err := c.do(ctx, "POST", "/api/2.0/mlflow/runs/update",
		map[string]any{"run_id": runID, "status": status, "end_time": time.Now().UnixMilli()}, nil)
	return err
}

// uploadLog stores the command's output next to the run's artifacts when
// they live on the tracking server (mlflow-artifacts:/...).
func (c *client) uploadLog(ctx context.Context, artifactURI string, log io.Reader) error {
	rel, ok := strings.CutPrefix(artifactURI, "mlflow-artifacts:/")
	if !ok {
		return fmt.Errorf("artifact location %q is not served by the tracking server", artifactURI)
	}
	req, err := http.NewRequestWithContext(ctx, "PUT", c.base+"/api/2.0/mlflow-artifacts/artifacts/"+strings.Trim(rel, "/")+"/paddock/output.log", log)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return nil
}

func kvs(m map[string]string) []map[string]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]string, len(keys))
	for i, k := range keys {
		out[i] = map[string]string{"key": k, "value": m[k]}
	}
	return out
}
