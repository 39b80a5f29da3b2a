package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/scheduler"
)

// A run a training job tracked shows the end of its output log, cut at
// a whole line, with a link to the whole file; a run without one shows
// no log section.
func TestUIRunPageShowsTheOutputLogTail(t *testing.T) {
	e := newRunsEnv(t, 2)
	sc, _ := e.login(auth.Viewer)
	var log strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&log, "epoch %d loss %.4f <ok>\n", i, 1/float64(i+1))
	}
	key := fmt.Sprintf("%s/%d/%s/artifacts/%s", artifact.ProxiedRoot, e.exp, e.runs[0], scheduler.LogArtifact)
	if _, err := e.store.Put(context.Background(), key, strings.NewReader(log.String())); err != nil {
		t.Fatal(err)
	}
	status, body := e.get(sc, "/ui/runs/"+e.runs[0])
	if status != 200 {
		t.Fatalf("run page: %d\n%s", status, body)
	}
	for _, want := range []string{`data-testid="run-log"`, "The last lines of", "epoch 4999 loss 0.0002 &lt;ok&gt;\n",
		`/ui/runs/` + e.runs[0] + `/artifact?path=paddock/output.log`} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(body, "epoch 0 loss") {
		t.Error("the page holds the start of a log longer than the tail")
	}
	pre := body[strings.Index(body, `<pre class="run-log"`):]
	if first := pre[strings.Index(pre, ">")+1:]; !strings.HasPrefix(first, "epoch ") {
		t.Errorf("the tail does not start at a whole line: %.40q", first)
	}
	if _, body := e.get(sc, "/ui/runs/"+e.runs[1]); strings.Contains(body, `data-testid="run-log"`) {
		t.Error("a run without an output log shows a log section")
	}
	// A log too long to read on every view is offered as a download only.
	huge := strings.Repeat("x", runLogRead) + "\nlast line\n"
	if _, err := e.store.Put(context.Background(), key, strings.NewReader(huge)); err != nil {
		t.Fatal(err)
	}
	_, body = e.get(sc, "/ui/runs/"+e.runs[0])
	if !strings.Contains(body, "too long to show here") || strings.Contains(body, "last line") || strings.Contains(body, `class="run-log"`) ||
		!strings.Contains(body, "/artifact?path=paddock/output.log") {
		t.Error("a log over the read limit is read into the page instead of offered as a download")
	}
}
