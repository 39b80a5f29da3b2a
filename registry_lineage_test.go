package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// The lineage of a version registered from a run lists that run, its
// source commit and its dataset digests; forward, the run and the dataset
// lead back to the version.
func TestLineageOverHTTP(t *testing.T) {
	in := start(t, nil)
	lr := logModelRun(t, in, "churn-training")
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "churn"})
	if status, body := api(t, in, "POST", "/api/models/churn/versions", in.Admin, map[string]any{"source": "runs:/" + lr.ID + "/model"}); status != 201 {
		t.Fatalf("register: %d %s", status, body)
	}
	status, body := api(t, in, "GET", "/api/models/churn/versions/1/lineage", in.Admin, nil)
	if status != 200 {
		t.Fatalf("lineage: %d %s", status, body)
	}
	var l struct {
		Run struct {
			RunID        string `json:"run_id"`
			Found        bool
			SourceCommit string `json:"source_commit"`
			Params       []struct{ Key, Value string }
			Datasets     []struct{ Name, Digest, Context string }
		}
	}
	decode(t, body, &l)
	if l.Run.RunID != lr.ID || !l.Run.Found || l.Run.SourceCommit != lr.Commit || len(l.Run.Params) != 2 {
		t.Fatalf("run lineage: %s", body)
	}
	if len(l.Run.Datasets) != 1 || l.Run.Datasets[0].Digest != lr.Digest || l.Run.Datasets[0].Context != "training" {
		t.Fatalf("dataset lineage: %s", body)
	}
	registryGolden(t, "registry/api_lineage", body)
	for _, path := range []string{"/api/lineage/runs/" + lr.ID, "/api/lineage/datasets/" + lr.Digest} {
		status, body = api(t, in, "GET", path, in.Admin, nil)
		if status != 200 || !strings.Contains(string(body), `"model":"churn","version":1`) {
			t.Fatalf("%s: %d %s", path, status, body)
		}
	}
	status, body = api(t, in, "GET", "/api/models/churn/versions/3/lineage", in.Admin, nil)
	wantError(t, status, body, 404, "not_found")
}

// A version downloads as a tar of its files, each checked against the
// digests recorded at registration; a file damaged on disk cuts the
// stream short, and a file replaced through the API is refused up front.
func TestRegistryDownloadOverHTTP(t *testing.T) {
	in := start(t, nil)
	lr := logModelRun(t, in, "churn-training")
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "churn"})
	api(t, in, "POST", "/api/models/churn/versions", in.Admin, map[string]any{"source": "runs:/" + lr.ID + "/model"})
	checkDownload(t, in, "churn", 1, lr.Files)

	// Damage model.json's bytes on disk, leaving its record intact.
	obj := filepath.Join(in.DataDir, "artifacts", "objects", filepath.FromSlash(artifact.ObjectName("mlartifacts/models/1/1/model.json")))
	b, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 0x01
	if err := os.WriteFile(obj, b, 0o600); err != nil {
		t.Fatal(err)
	}
	resp := download(t, in, "churn", 1)
	got, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if readErr == nil {
		t.Fatal("a damaged file was streamed to the end without an error")
	}
	if entry := tarEntry(got, "model.json"); entry != nil && len(entry) == len(lr.Files["model.json"]) {
		t.Fatal("the damaged model.json arrived whole")
	}

	// Replace it through the artifact API: a valid record, the wrong one.
	if status, body, _ := in.call("PUT", "/api/artifacts/mlartifacts/models/1/1/model.json", in.Admin, strings.NewReader(`{"evil": true}`)); status != 201 {
		t.Fatalf("replace: %d %s", status, body)
	}
	status, body, _ := in.call("GET", "/api/models/churn/versions/1/download", in.Admin, nil)
	wantError(t, status, body, 500, "data_corruption")
	status, body, _ = in.call("GET", "/api/models/churn/versions/9/download", in.Admin, nil)
	wantError(t, status, body, 404, "not_found")
}

func download(t *testing.T, in *instance, model string, version int) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/models/%s/versions/%d/download", in.URL, model, version), nil)
	req.Header.Set("Authorization", "Bearer "+in.Admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("download: %d %s", resp.StatusCode, b)
	}
	return resp
}

// checkDownload downloads a version and compares every file, and every
// PAX digest with the content's.
func checkDownload(t *testing.T, in *instance, model string, version int, want map[string][]byte) {
	t.Helper()
	resp := download(t, in, model, version)
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/x-tar" || !strings.HasPrefix(resp.Header.Get("X-Paddock-Digest"), "sha256:") {
		t.Errorf("headers %v", resp.Header)
	}
	tr := tar.NewReader(resp.Body)
	n := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil || !bytes.Equal(body, want[hdr.Name]) {
			t.Fatalf("%s: %d bytes (%v), want %d", hdr.Name, len(body), err, len(want[hdr.Name]))
		}
		if hdr.PAXRecords["PADDOCK.sha256"] != sha256Digest(body) {
			t.Errorf("%s: PAX digest %q", hdr.Name, hdr.PAXRecords["PADDOCK.sha256"])
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("%d files in the archive, want %d", n, len(want))
	}
}

// tarEntry returns the (possibly short) content of an entry of a
// possibly truncated archive, nil when it is not there.
func tarEntry(b []byte, name string) []byte {
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return nil
		}
		if hdr.Name == name {
			body, _ := io.ReadAll(tr)
			return body
		}
	}
}

// The alias change feed over HTTP: pages after a sequence number, and a
// long poll that answers as soon as an alias moves.
func TestRegistryAliasFeedOverHTTP(t *testing.T) {
	in := start(t, nil)
	lr := logModelRun(t, in, "churn-training")
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "churn"})
	for range 2 {
		api(t, in, "POST", "/api/models/churn/versions", in.Admin, map[string]any{"source": "runs:/" + lr.ID + "/model"})
	}
	api(t, in, "PUT", "/api/models/churn/aliases/production", in.Admin, map[string]any{"version": 1})
	var feed struct {
		Events []struct {
			Seq          int64
			Model, Alias string
			Version      *int64
			Previous     *int64
		}
		LastSeq int64 `json:"last_seq"`
	}
	status, body := api(t, in, "GET", "/api/registry/events?after=0", in.Admin, nil)
	decode(t, body, &feed)
	if status != 200 || len(feed.Events) != 1 || *feed.Events[0].Version != 1 || feed.Events[0].Previous != nil || feed.LastSeq != feed.Events[0].Seq {
		t.Fatalf("feed: %d %s", status, body)
	}
	after := feed.LastSeq

	var wg sync.WaitGroup
	var polled []byte
	started := time.Now()
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, polled = api(t, in, "GET", fmt.Sprintf("/api/registry/events?after=%d&wait=9s", after), in.Admin, nil)
	}()
	// Give the poll time to start waiting; if it has not yet, the answer
	// is the same, only without the wait.
	time.Sleep(200 * time.Millisecond)
	api(t, in, "PUT", "/api/models/churn/aliases/production", in.Admin, map[string]any{"version": 2})
	wg.Wait()
	decode(t, polled, &feed)
	if len(feed.Events) != 1 || *feed.Events[0].Version != 2 || *feed.Events[0].Previous != 1 || time.Since(started) > 8*time.Second {
		t.Fatalf("long poll after %v: %s", time.Since(started), polled)
	}
	status, body = api(t, in, "GET", fmt.Sprintf("/api/registry/events?after=%d&wait=50ms", feed.LastSeq), in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"events":[]`) {
		t.Fatalf("empty poll: %d %s", status, body)
	}
	status, body = api(t, in, "GET", "/api/registry/aliases", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `{"model":"churn","alias":"production","version":2}`) {
		t.Fatalf("snapshot: %d %s", status, body)
	}
	status, body = api(t, in, "GET", "/api/registry/events?after=-1", in.Admin, nil)
	wantError(t, status, body, 400, "invalid_argument")
	status, body = api(t, in, "GET", "/api/registry/events?wait=soon", in.Admin, nil)
	wantError(t, status, body, 400, "invalid_argument")
}

// The audit log API filters by actor, action, resource and time.
func TestAuditAPIFilters(t *testing.T) {
	in := start(t, nil)
	editor := createToken(t, in, "editor")
	viewer := createToken(t, in, "viewer")
	api(t, in, "POST", "/api/models", editor, map[string]any{"name": "a"})
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "b"})
	api(t, in, "PATCH", "/api/models/a", editor, map[string]any{"description": "x"})
	count := func(query string) int {
		t.Helper()
		status, body := api(t, in, "GET", "/api/audit?"+query, viewer, nil)
		if status != 200 {
			t.Fatalf("%s: %d %s", query, status, body)
		}
		var page struct{ Events []struct{ Actor string } }
		decode(t, body, &page)
		return len(page.Events)
	}
	for query, want := range map[string]int{
		"":                                  5, // the two token creations too
		"action=auth.token.create":          2,
		"actor=token:editor-token":          2,
		"action=registry.model.create":      2,
		"action=registry.*":                 3,
		"action=serving.*":                  0,
		"resource_kind=model&resource_id=a": 2,
		"since=2000-01-01T00:00:00Z":        5,
		"until=2000-01-01T00:00:00Z":        0,
		"since=" + fmt.Sprint(time.Now().Add(time.Hour).UnixMilli()): 0,
		"limit=1": 1,
	} {
		if got := count(query); got != want {
			t.Errorf("%q: %d events, want %d", query, got, want)
		}
	}
	status, body := api(t, in, "GET", "/api/audit?since=yesterday", viewer, nil)
	wantError(t, status, body, 400, "invalid_argument")
	status, body = api(t, in, "GET", "/api/audit?limit=5000", viewer, nil)
	wantError(t, status, body, 400, "invalid_argument")
	status, body = api(t, in, "GET", "/api/audit", "", nil)
	wantError(t, status, body, 401, "unauthenticated")
}
