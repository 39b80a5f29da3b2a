package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/paddockml/paddock/internal/miniotest"
)

// The churn example's whole loop, as docs/tutorial.md walks it, with a
// real MinIO as the artifact store and the example's own Python scripts:
// a first model trained by hand serves production; the schedule fires a
// retraining that is tracked, passes the gate, is registered and becomes
// alpha; the example's shadow experiment compares it with production on
// the traffic simulate_app.py sends; the app's feedback shows alpha is
// right more often; the promotion moves production, which then answers
// with the new version; and new data appended by the app fires the job
// again. The configuration is examples/churn-xgboost/paddock.yaml itself,
// with the data path, a poll of 1s and, for the first phase only, a
// schedule of seconds instead of weekly.
func TestE2EChurnLoop(t *testing.T) {
	l := newChurnLoop(t)
	v1 := l.firstModel()
	v2 := l.scheduledRetrain(v1)
	// The example's file as it is, weekly: no run at start.
	in := startAt(t, l.dataDir, l.env, "--config", exampleConfig(t, l.data, ""))
	l.shadow(in, v1, v2)
	l.promote(in, v2)
	l.newData(in)
}

// churnLoop is the end-to-end test's setting: a MinIO, the data, and
// Paddock's data directory, shared by the phases (each a restart).
type churnLoop struct {
	t       *testing.T
	m       *miniotest.Server
	env     map[string]string
	dataDir string
	data    string
	began   time.Time
}

const e2eBucket = "paddock-e2e-loop"

func newChurnLoop(t *testing.T) *churnLoop {
	l := &churnLoop{t: t, began: time.Now(), dataDir: t.TempDir(), data: filepath.Join(t.TempDir(), "churn-data")}
	l.m = miniotest.Start(t, minioBin(t))
	l.env = map[string]string{
		"PADDOCK_ARTIFACTS_BACKEND":       "s3",
		"PADDOCK_ARTIFACTS_S3_ENDPOINT":   l.m.Addr,
		"PADDOCK_ARTIFACTS_S3_ACCESS_KEY": l.m.User,
		"PADDOCK_ARTIFACTS_S3_SECRET_KEY": l.m.Password,
		"PADDOCK_ARTIFACTS_S3_BUCKET":     e2eBucket,
	}
	python(t, nil, "examples/churn-xgboost/make_data.py", l.data)
	return l
}

func (l *churnLoop) logf(format string, args ...any) {
	l.t.Helper()
	l.t.Logf("%5.1fs "+format, append([]any{time.Since(l.began).Seconds()}, args...)...)
}

// firstModel trains a careless model by hand and makes it production
// (and alpha, so the experiment is valid from the start).
func (l *churnLoop) firstModel() int {
	first := startAt(l.t, l.dataDir, l.env)
	v1 := trainByHand(l.t, first, l.data)
	setAlias(l.t, first, "churn", "production", v1)
	setAlias(l.t, first, "churn", "alpha", v1)
	first.stop()
	l.logf("production is v%d", v1)
	return v1
}

// scheduledRetrain waits for the schedule to fire and checks the run is
// tracked, passes the gate, is registered with its lineage and is alpha.
func (l *churnLoop) scheduledRetrain(v1 int) int {
	t := l.t
	in := startAt(t, l.dataDir, l.env, "--config", exampleConfig(t, l.data, `"@every 3s"`))
	defer in.stop()
	run := waitRun(t, in, "churn-retrain", func(r trainingRun) bool { return finished(r) && r.FiredBy == "schedule" })
	if run.Status != "FINISHED" || run.Gate != "pass" || run.ModelVersion == nil || run.Promotion == "" {
		_, detail := api(t, in, "GET", fmt.Sprintf("/api/training/runs/%d", run.ID), in.Admin, nil)
		t.Fatalf("the scheduled run: %s", detail)
	}
	v2 := int(*run.ModelVersion)
	wantBody(t, in, "/api/runs/"+run.TrackingRunID, `"FINISHED"`, `"auc"`, `"recall_1"`, `"max_depth"`)
	wantBody(t, in, fmt.Sprintf("/api/models/churn/versions/%d/lineage", v2), run.TrackingRunID)
	wantBody(t, in, "/api/models/churn/aliases/alpha", fmt.Sprintf(`"version":"%d"`, v2))
	wantBody(t, in, "/api/models/churn/aliases/production", fmt.Sprintf(`"version":"%d"`, v1))
	l.logf("the schedule made v%d, now alpha", v2)
	return v2
}

// shadow sends the app's traffic and feedback and checks the experiment
// compared both arms on it, production answering every caller.
func (l *churnLoop) shadow(in *instance, v1, v2 int) {
	t := l.t
	// Asking for alpha by name loads it now, so the first shadow requests
	// do not spend their time budget loading it from MinIO.
	if got, status, out := classify(t, in, "/api/models/churn@alpha/predict", []any{3, 80.5, 4, 6, 1, 0, 0, 2}); status != 200 || got.Version != v2 {
		t.Fatalf("alpha by name: %d %s", status, out)
	}
	out := python(t, appEnv(in), "examples/churn-xgboost/simulate_app.py", "--customers", "300")
	if !strings.Contains(out, fmt.Sprintf("answered by {'v%d': 300}", v1)) {
		t.Fatalf("in shadow mode production answers every request: %s", out)
	}
	s := waitStats(t, in, "churn-shadow", 300)
	if s.Requests != 300 || s.Production.Answered != 300 || s.Agreement == nil ||
		s.Feedback.Classification.Production == nil || s.Feedback.Classification.Alpha == nil {
		t.Fatalf("comparison: %+v", s)
	}
	prodAcc, alphaAcc := s.Feedback.Classification.Production.Accuracy, s.Feedback.Classification.Alpha.Accuracy
	if alphaAcc <= prodAcc {
		t.Fatalf("on the app's feedback alpha v%d (accuracy %.3f) should beat production v%d (%.3f)", v2, alphaAcc, v1, prodAcc)
	}
	l.logf("shadow: agreement %.3f, accuracy production %.3f alpha %.3f", s.Agreement.Rate, prodAcc, alphaAcc)
}

// promote promotes the experiment and checks production answers with
// alpha's version, whose files are in MinIO.
func (l *churnLoop) promote(in *instance, v2 int) {
	t := l.t
	status, body := api(t, in, "POST", "/api/experiments/churn-shadow/promote", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"state":"promoted"`) || !strings.Contains(string(body), fmt.Sprintf(`"version":%d`, v2)) {
		t.Fatalf("promote: %d %s", status, body)
	}
	waitProductionAnswers(t, in, v2)
	wantBody(t, in, "/api/models/churn/aliases/production", fmt.Sprintf(`"version":"%d"`, v2))
	wantObject(t, l.m, e2eBucket, fmt.Sprintf("/%d/model.json/", v2))
	l.logf("production answers with v%d", v2)
}

// newData appends the app's labelled customers to the data and checks
// the new_data trigger runs the job through the gate.
func (l *churnLoop) newData(in *instance) {
	t := l.t
	python(t, appEnv(in), "examples/churn-xgboost/simulate_app.py", "--customers", "200", "--seed", "12", "--append", l.data)
	again := waitRun(t, in, "churn-retrain", func(r trainingRun) bool { return finished(r) && r.FiredBy == "new_data" })
	if again.Status != "FINISHED" || again.Gate == "" || again.GateReport == nil {
		t.Fatalf("the new-data run: %+v", again)
	}
	l.logf("new data: run %d, gate %s (%s)", again.ID, again.Gate, again.GateReport.Reason)
}

// exampleConfig writes examples/churn-xgboost/paddock.yaml with the data
// path and a 1s poll, and the schedule replaced when one is given. A
// replacement that finds nothing fails the test: the example changed.
func exampleConfig(t *testing.T, data, schedule string) string {
	t.Helper()
	b, err := os.ReadFile("examples/churn-xgboost/paddock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yml := string(b)
	swap := func(old, new string, n int) {
		if got := strings.Count(yml, old); got != n {
			t.Fatalf("examples/churn-xgboost/paddock.yaml has %q %d times, want %d", old, got, n)
		}
		yml = strings.ReplaceAll(yml, old, new)
	}
	swap("data: ./churn-data", "data: "+data, 1)
	swap("path: ./churn-data", "path: "+data, 1)
	swap("poll: 30s", "poll: 1s", 1)
	if schedule != "" {
		swap(`schedule: "0 3 * * 1"`, "schedule: "+schedule, 1)
	}
	return writeConfig(t, yml)
}

// python runs one of the example's scripts with Debian's Python (the one
// with XGBoost) and returns its output.
func python(t *testing.T, env []string, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
	return string(out)
}

// appEnv is what simulate_app.py needs to reach the instance.
func appEnv(in *instance) []string {
	return []string{"PADDOCK_URL=" + in.URL, "PADDOCK_TOKEN=" + in.Admin}
}

// trainByHand runs train.py as a person would (a tracked run in the
// default experiment), with a deliberately careless model, and registers
// the run's model as the next version of churn.
func trainByHand(t *testing.T, in *instance, data string) int {
	t.Helper()
	python(t, []string{"MLFLOW_TRACKING_URI=" + in.URL, "MLFLOW_TRACKING_TOKEN=" + in.Admin, "PADDOCK_PARAM_DATA=" + data,
		"PADDOCK_PARAM_ROUNDS=3", "PADDOCK_PARAM_MAX_DEPTH=2", "PADDOCK_PARAM_LABEL_NOISE=0.4"},
		"examples/churn-xgboost/train.py")
	status, body := api(t, in, "POST", "/api/2.0/mlflow/runs/search", in.Admin, map[string]any{"experiment_ids": []string{"0"}, "max_results": 1})
	var found struct {
		Runs []struct {
			Info struct {
				RunID string `json:"run_id"`
			}
		}
	}
	decode(t, body, &found)
	if status != 200 || len(found.Runs) != 1 {
		t.Fatalf("the run trained by hand: %d %s", status, body)
	}
	id := found.Runs[0].Info.RunID
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "churn"})
	status, body = api(t, in, "POST", "/api/models/churn/versions", in.Admin, map[string]any{"source": "runs:/" + id + "/model", "run_id": id})
	var v struct{ Version, Status string }
	decode(t, body, &v)
	if status != 201 || v.Status != "READY" {
		t.Fatalf("register the run's model: %d %s", status, body)
	}
	var n int
	fmt.Sscan(v.Version, &n)
	return n
}

// waitStats waits until both arms answered and the feedback of n
// requests is joined (the log and shadow predictions are asynchronous).
func waitStats(t *testing.T, in *instance, name string, n int) liveStats {
	t.Helper()
	var s liveStats
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		s = stats(t, in, name)
		if s.Alpha.Answered >= n && s.Feedback != nil && s.Feedback.Labeled >= n && s.Feedback.Classification != nil {
			return s
		}
	}
	t.Fatalf("experiment %s did not compare %d labelled requests within 20s: %+v", name, n, s)
	return s
}

// waitProductionAnswers waits until the model's default route answers
// with version v, and checks it answers as that version does.
func waitProductionAnswers(t *testing.T, in *instance, v int) {
	t.Helper()
	row := []any{3, 80.5, 4, 6, 1, 0, 0, 2}
	want, status, out := classify(t, in, fmt.Sprintf("/api/models/churn/versions/%d/predict", v), row)
	if status != 200 {
		t.Fatalf("version %d: %d %s", v, status, out)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, status, out := classify(t, in, "/api/models/churn/predict", row)
		if status != 200 {
			t.Fatalf("production: %d %s", status, out)
		}
		if got.Version == v {
			if fmt.Sprint(got.Predictions) != fmt.Sprint(want.Predictions) {
				t.Fatalf("production v%d answers %v, version %d itself %v", v, got.Predictions, v, want.Predictions)
			}
			return
		}
	}
	t.Fatalf("production did not answer with version %d within 20s", v)
}

// wantBody GETs path and checks the body holds every string.
func wantBody(t *testing.T, in *instance, path string, wants ...string) {
	t.Helper()
	status, body := api(t, in, "GET", path, in.Admin, nil)
	for _, w := range wants {
		if status != 200 || !strings.Contains(string(body), w) {
			t.Fatalf("GET %s lacks %s: %d %s", path, w, status, body)
		}
	}
}

// wantObject checks that MinIO itself holds an object whose name has
// part: the model files are in the bucket, not on the local disk.
func wantObject(t *testing.T, m *miniotest.Server, bucket, part string) {
	t.Helper()
	client, err := minio.New(m.Addr, &minio.Options{Creds: credentials.NewStaticV4(m.User, m.Password, "")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for o := range client.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: "objects/mlartifacts/models/", Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if strings.Contains(o.Key, part) {
			return
		}
		names = append(names, o.Key)
	}
	t.Fatalf("no object with %q in bucket %s: %v", part, bucket, names)
}
