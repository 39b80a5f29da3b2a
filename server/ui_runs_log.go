package server

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/scheduler"
	"github.com/paddockml/paddock/ui"
)

// runLogTail is how much of a run's output log the run page shows: the
// end, where a failure says why.
const runLogTail = 64 << 10

// runLogRead is the longest log the page reads for its tail: the store
// checks a file's digest only once it has been read to the end, so a
// longer one is offered as a download instead of read on every view.
const runLogRead = 8 << 20

// runLog reads the end of the output log a training job stores with its
// tracked runs (scheduler.LogArtifact); nil when the run has none.
func (d *dashboard) runLog(ctx context.Context, run experiments.Run) (*ui.RunLog, error) {
	key, ok, err := runArtifactKey(run, scheduler.LogArtifact)
	if err != nil || !ok {
		return nil, err
	}
	rc, info, err := d.s.deps.Artifacts.Get(ctx, key)
	if errors.Is(err, artifact.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	url := "/ui/runs/" + run.Info.RunID + "/artifact?path=" + queryEscapePath(scheduler.LogArtifact)
	if info.Size > runLogRead {
		return &ui.RunLog{TooLong: true, Size: runsSize(info.Size), URL: url}, nil
	}
	// Read it all (checking its digest), keeping only the tail.
	tail := make([]byte, 0, min(info.Size, runLogTail))
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		tail = append(tail, buf[:n]...)
		if over := len(tail) - runLogTail; over > 0 {
			tail = append(tail[:0], tail[over:]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	text := string(tail)
	cut := info.Size > int64(len(tail))
	if cut {
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:] // start at a whole line
		}
	}
	return &ui.RunLog{Text: text, Cut: cut, Size: runsSize(info.Size), URL: url}, nil
}
