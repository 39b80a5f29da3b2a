package onnx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// FuzzParse feeds mutated model files to Parse, seeded with the real
// exported fixtures (those over 64 KiB are left out to keep mutations
// fast). Parse must fail only with ErrCorrupt or
// ErrUnsupported; a model that loads must predict a batch of one without
// panicking (Predict turns panics into "internal error"). External-data
// seeds check that Parse refuses them cleanly without a directory.
func FuzzParse(f *testing.F) {
	for _, dir := range flavortest.Fixtures(f, "onnx") {
		if fi, err := os.Stat(filepath.Join(dir, ModelFile)); err != nil || fi.Size() > 64<<10 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ModelFile))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(modelBytes(13, reluGraph()))
	if b, err := os.ReadFile(filepath.Join(flavortest.FixturesDir(f), "onnx_external", "mlp_softmax", ModelFile)); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		checkParsed(t, m, err)
	})
}

// FuzzParseExternal feeds mutated external-data models to ParseWithDir
// in their fixture directories, so mutations reach the location, offset
// and length checks and the reads. The fuzz index picks the directory.
func FuzzParseExternal(f *testing.F) {
	dirs := flavortest.Fixtures(f, "onnx_external")
	for i, dir := range dirs {
		if fi, err := os.Stat(filepath.Join(dir, ModelFile)); err != nil || fi.Size() > 64<<10 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ModelFile))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, i uint8, b []byte) {
		m, err := ParseWithDir(b, dirs[int(i)%len(dirs)])
		checkParsed(t, m, err)
	})
}

// checkParsed fails unless err wraps ErrCorrupt or ErrUnsupported or the
// model predicts a batch of one without panicking.
func checkParsed(t *testing.T, m *Model, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, flavor.ErrCorrupt) && !errors.Is(err, flavor.ErrUnsupported) {
			t.Fatalf("Parse error wraps neither ErrCorrupt nor ErrUnsupported: %v", err)
		}
		return
	}
	var in []flavor.Tensor
	for _, s := range m.Signature().Inputs {
		in = append(in, zeroInput(s))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := m.Predict(ctx, in); err != nil && strings.Contains(err.Error(), "internal error") {
		t.Fatalf("Predict panicked: %v", err)
	}
}

// zeroInput makes a zero tensor for spec with dynamic dims set to 1.
func zeroInput(s flavor.TensorSpec) flavor.Tensor {
	t := flavor.Tensor{Name: s.Name, DType: s.DType, Shape: []int{}}
	for _, d := range s.Shape {
		t.Shape = append(t.Shape, max(d, 1))
	}
	n, err := numElements(t.Shape)
	if err != nil || n > 1<<16 {
		return t
	}
	switch s.DType {
	case flavor.Float32:
		t.F32 = make([]float32, n)
	case flavor.Int64:
		t.I64 = make([]int64, n)
	case flavor.Bool:
		t.Bool = make([]bool, n)
	}
	return t
}
