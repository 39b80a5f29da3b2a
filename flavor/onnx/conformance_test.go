package onnx

import (
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// TestConformance runs every ONNX fixture (models exported by
// torch.onnx.export, with PyTorch's own outputs) through the engine, as
// one batch and row by row.
func TestConformance(t *testing.T) {
	for _, dir := range flavortest.Fixtures(t, "onnx") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			flavortest.Run(t, flavortest.Case{
				Dir:  dir,
				Load: func(dir string) (flavor.Model, error) { return Load(dir) },
				Tol:  1e-5,
			})
		})
	}
}
