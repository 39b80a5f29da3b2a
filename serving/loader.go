package serving

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir"
	"github.com/paddockml/paddock/serving/codec"
)

// load fetches a version's files into a directory of its own, loads the
// model and warms it with a smoke prediction. The returned handle holds
// the endpoint's reference (refs = 1). Every failure wraps errs.Unavailable
// with what failed, for the event log and the caller.
func (ep *endpoint) load(ctx context.Context, version int64) (*handle, error) {
	s := ep.svc
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LoadTimeout.Std())
	defer cancel()
	started := time.Now()
	dir, err := os.MkdirTemp(ensureDir(s.cfg.ModelDir), safeName(ep.name)+"-v"+strconv.FormatInt(version, 10)+"-")
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", version, ep.name, err)
	}
	h, err := ep.loadInto(ctx, version, dir)
	if err != nil {
		os.RemoveAll(dir)
		if c := errs.CodeOf(err); c == errs.NotFound || c == errs.FailedPrecondition {
			return nil, err // no such version, or one without files: nothing broke
		}
		s.metrics.loadFailures.WithLabelValues(ep.name).Inc()
		s.events.add(Event{Kind: EventLoadFailed, Model: ep.name, Version: version, Message: err.Error()})
		s.log.Error("model version failed to load", "model", ep.name, "version", version, "err", err)
		return nil, errs.Wrap(errs.Unavailable, err, "version %d of %s cannot be served: %v", version, ep.name, err)
	}
	s.events.add(Event{Kind: EventLoaded, Model: ep.name, Version: version,
		Message: fmt.Sprintf("%s model loaded and warmed in %s", h.loaded.Flavor, time.Since(started).Round(time.Millisecond))})
	s.log.Info("model version loaded", "model", ep.name, "version", version, "flavor", h.loaded.Flavor,
		"took", time.Since(started).Round(time.Millisecond))
	return h, nil
}

func (ep *endpoint) loadInto(ctx context.Context, version int64, dir string) (*handle, error) {
	s := ep.svc
	v, err := s.reg.Fetch(ctx, ep.name, version, dir)
	if err != nil {
		return nil, err
	}
	l, err := modeldir.Load(ctx, dir, s.opts.Load)
	if err != nil {
		return nil, err
	}
	h := &handle{model: ep.name, version: version, digest: v.ArtifactDigest, dir: dir, loaded: l,
		sig: l.Signature, outputs: outputOrder(l), closed: make(chan struct{})}
	h.refs.Store(1)
	h.lastUsed.Store(time.Now().UnixNano())
	if err := warm(ctx, h); err != nil {
		l.Model.Close()
		return nil, fmt.Errorf("smoke prediction: %w", err)
	}
	if ep.batching(l.Flavor) {
		b := ep.cfg.Batching
		h.batch = newBatcher(l.Model, b.MaxBatchSize, b.MaxLatency.Std(), s.metrics.batchSize.WithLabelValues(ep.name, strconv.FormatInt(version, 10)))
	}
	return h, nil
}

// warm runs one prediction before the version takes traffic, on the
// model's saved input example when it has one, else on a row of zeros.
// A model that cannot answer is not swapped in. Zeros may be outside
// what a model accepts (an unknown category), so an input error on them
// does not fail the load; any other error does.
func warm(ctx context.Context, h *handle) error {
	inputs, example := exampleInputs(h)
	if inputs == nil {
		inputs = zeroInputs(h.sig)
	}
	if inputs == nil {
		return nil // a signature without inputs: nothing to try
	}
	_, err := h.loaded.Model.Predict(ctx, inputs)
	if err != nil && errors.Is(err, flavor.ErrInput) && !example {
		return nil
	}
	return err
}

// exampleInputs binds the MLflow input example saved with the model.
func exampleInputs(h *handle) ([]flavor.Tensor, bool) {
	d := h.loaded.Descriptor
	if d == nil || d.InputExample == nil || d.InputExample.ArtifactPath == "" {
		return nil, false
	}
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		return nil, false
	}
	defer root.Close()
	raw, err := root.ReadFile(filepath.FromSlash(d.InputExample.ArtifactPath))
	if err != nil || len(raw) > 1<<20 {
		return nil, false
	}
	body := raw
	if d.InputExample.PandasOrient == "split" {
		body = append(append([]byte(`{"dataframe_split":`), raw...), '}')
	} else if d.InputExample.PandasOrient == "records" {
		body = append(append([]byte(`{"dataframe_records":`), raw...), '}')
	}
	in, err := codec.DecodeMLflow("application/json", body)
	if err != nil {
		return nil, false
	}
	ts, err := codec.Bind(in, h.sig)
	if err != nil {
		return nil, false
	}
	return ts, true
}

// zeroInputs is one row of zeros (empty strings) for each input.
func zeroInputs(sig flavor.Signature) []flavor.Tensor {
	if len(sig.Inputs) == 0 {
		return nil
	}
	out := make([]flavor.Tensor, len(sig.Inputs))
	for i, in := range sig.Inputs {
		shape := make([]int, max(len(in.Shape), 1))
		for j := range shape {
			shape[j] = 1
			if j < len(in.Shape) && in.Shape[j] > 0 && j > 0 {
				shape[j] = in.Shape[j]
			}
		}
		t := flavor.Tensor{Name: in.Name, DType: in.DType, Shape: shape}
		if t.Len() > 1<<20 {
			return nil
		}
		t.Allocate()
		out[i] = t
	}
	return out
}

// ensureDir creates dir if needed and returns it; MkdirTemp reports a
// failure to create it.
func ensureDir(dir string) string {
	_ = os.MkdirAll(dir, 0o755)
	return dir
}

// safeName keeps a model name usable in a directory name.
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
