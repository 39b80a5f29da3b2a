// Package onnx runs ONNX models in pure Go, without cgo or ONNX Runtime.
//
// It targets what PyTorch's torch.onnx.export produces for MLPs,
// embedding bags and small transformer encoders (opsets 13 to 20): the
// ModelProto is decoded directly from protobuf wire format, every
// operator is resolved to a kernel when the model loads (a model using
// anything else is refused at load, listing all missing operators), and
// the graph is compiled once into an execution plan that runs any batch
// size. Computation is float32 like PyTorch's, with int64 and bool tensors
// for indices and masks. Tensors saved as external data, MLflow's
// default, are read from their files beside the model (Load,
// ParseWithDir).
package onnx

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/flavor"
)

// ModelFile is the file Load reads from a model directory.
const ModelFile = "model.onnx"

// MaxModelSize bounds the model files Parse accepts (protobuf itself
// cannot exceed 2 GiB, and this engine keeps everything in memory).
const MaxModelSize = 1 << 30

// Model is a loaded ONNX model. It is safe for concurrent Predict calls.
type Model struct {
	plan *graphPlan
	sig  flavor.Signature
	// fixed holds, per input, the dims the graph declares as fixed (-1
	// for symbolic ones), or nil when the graph gives no shape.
	fixed [][]int
}

var _ flavor.Model = (*Model)(nil)

// Load reads dir/model.onnx and compiles it. Tensors saved as external
// data are read from their files in dir (see ParseWithDir).
func Load(dir string) (*Model, error) {
	f, err := os.Open(filepath.Join(dir, ModelFile))
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxModelSize {
		return nil, corruptf("model file is %d bytes, over the %d limit", fi.Size(), MaxModelSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxModelSize+1))
	if err != nil {
		return nil, fmt.Errorf("onnx: read model: %w", err)
	}
	return ParseWithDir(b, dir)
}

// Parse decodes and compiles a serialized ModelProto whose tensors are
// all embedded. A model keeping tensors in external files is refused
// with ErrUnsupported, since their locations are relative to the model
// file's directory: use Load or ParseWithDir.
func Parse(b []byte) (*Model, error) {
	return ParseWithDir(b, "")
}

// ParseWithDir is Parse for a model file that lives in dir. Tensors saved
// as external data (onnx.save_model's save_as_external_data, the default
// of MLflow's mlflow.onnx) are read from the files their locations name
// inside dir; a location that leaves dir, directly or through a symbolic
// link, is refused with ErrCorrupt. An empty dir behaves as Parse.
func ParseWithDir(b []byte, dir string) (*Model, error) {
	if len(b) > MaxModelSize {
		return nil, corruptf("model is larger than %d bytes", MaxModelSize)
	}
	if len(b) == 0 {
		return nil, corruptf("empty model file")
	}
	mp, err := decodeModel(b)
	if err != nil {
		return nil, err
	}
	opset, ok := mp.opsets[""]
	if !ok {
		return nil, unsupportedf("model imports no ai.onnx opset")
	}
	if opset < minOpset || opset > maxOpset {
		return nil, unsupportedf("opset %d (supported: %d to %d)", opset, minOpset, maxOpset)
	}
	if names := unsupportedOps(mp.graph); len(names) > 0 {
		return nil, unsupportedOpsError(names)
	}
	// External files are read only once the model is known to be one
	// this engine runs.
	if err := resolveExternal(mp.graph, dir); err != nil {
		return nil, err
	}
	c := &compiler{opset: opset, foldBudget: maxElements}
	plan, err := c.compileGraph(mp.graph, false)
	if err != nil {
		return nil, err
	}
	m := &Model{plan: plan}
	if err := m.describe(mp.graph); err != nil {
		return nil, err
	}
	return m, nil
}

// Signature describes the graph's inputs and outputs; symbolic dims such
// as the batch dimension are -1.
func (m *Model) Signature() flavor.Signature { return m.sig }

// Close releases nothing: a Model holds only memory.
func (m *Model) Close() error { return nil }

// Predict runs the graph. inputs match the signature's inputs by
// position; outputs keep the graph's output names.
func (m *Model) Predict(ctx context.Context, inputs []flavor.Tensor) (outs []flavor.Tensor, err error) {
	in, err := m.convertInputs(inputs)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A kernel bug must not take the server down; report it instead.
		if r := recover(); r != nil {
			outs, err = nil, fmt.Errorf("onnx: internal error: %v", r)
		}
	}()
	res, err := m.plan.run(ctx, in)
	if err != nil {
		return nil, err
	}
	outs = make([]flavor.Tensor, len(res))
	for i, t := range res {
		outs[i] = exportTensor(m.sig.Outputs[i].Name, t)
	}
	return outs, nil
}
