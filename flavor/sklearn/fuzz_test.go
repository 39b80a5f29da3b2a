package sklearn

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// FuzzParse feeds arbitrary bytes to the restricted unpickler. A load
// either fails with ErrCorrupt or ErrUnsupported or yields a model whose
// Predict on a small batch returns outputs of the declared shape or an
// ErrInput. Seeds: every small fixture, the hostile and corrupt pickles,
// and truncated and bit-flipped variants.
func FuzzParse(f *testing.F) {
	var seeds [][]byte
	for _, dir := range flavortest.Fixtures(f, "sklearn") {
		if data, err := os.ReadFile(filepath.Join(dir, "model.pkl")); err == nil && len(data) < 20000 {
			seeds = append(seeds, data)
		}
	}
	bad, _ := filepath.Glob(filepath.Join("testdata", "*", "*.pkl"))
	for _, path := range bad {
		if data, err := os.ReadFile(path); err == nil {
			seeds = append(seeds, data)
		}
	}
	for i, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
		flipped := bytes.Clone(s)
		flipped[(i*7919)%len(s)] ^= 0x41
		f.Add(flipped)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, flavor.ErrCorrupt) && !errors.Is(err, flavor.ErrUnsupported) {
				t.Fatalf("load error %v wraps neither ErrCorrupt nor ErrUnsupported", err)
			}
			return
		}
		predictZeros(t, m)
	})
}

// predictZeros runs a loaded model on two rows of zeros (or "a" strings).
func predictZeros(t *testing.T, m *Model) {
	const rows = 2
	sig := m.Signature()
	if len(sig.Columns) > 4096 {
		return // allocating the input is the caller's business
	}
	var ins []flavor.Tensor
	for _, spec := range sig.Inputs {
		in := flavor.Tensor{Name: spec.Name, DType: spec.DType, Shape: []int{rows}}
		if len(spec.Shape) == 2 {
			in.Shape = []int{rows, spec.Shape[1]}
		}
		n := in.Len()
		if spec.DType == flavor.String {
			in.Str = make([]string, n)
		} else {
			in.F64 = make([]float64, n)
		}
		ins = append(ins, in)
	}
	outs, err := m.Predict(context.Background(), ins)
	if err != nil {
		if !errors.Is(err, flavor.ErrInput) {
			t.Fatalf("predict error %v does not wrap ErrInput", err)
		}
		return
	}
	if len(outs) != len(sig.Outputs) {
		t.Fatalf("%d outputs, signature declares %d", len(outs), len(sig.Outputs))
	}
	for i, o := range outs {
		if o.Shape[0] != rows || o.Name != sig.Outputs[i].Name {
			t.Fatalf("output %s has shape %v", o.Name, o.Shape)
		}
	}
}
