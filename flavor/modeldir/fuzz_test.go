package modeldir

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

// FuzzReadDescriptor feeds arbitrary MLmodel files through everything
// Paddock does with a descriptor before opening a model: parsing,
// flavor resolution, signature conversion and writing. A bad file must
// be an ErrCorrupt or ErrUnsupported error, never a panic; a good one
// must write and read back to the same bytes.
func FuzzReadDescriptor(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "mlmodel", "*", "MLmodel"))
	for _, path := range seeds {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("flavors:\n  xgboost:\n    data: ../x\n"))
	f.Add([]byte("flavors:\n  python_function: {loader_module: m, artifacts: {a: {path: b}}}\nmetadata: {paddock: {flavor: python_function}}\n"))
	f.Add([]byte("a: &a [*a, *a]\nflavors: {onnx: {data: m}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := mlmodel.Parse(b)
		if err != nil {
			if !errors.Is(err, flavor.ErrCorrupt) && !errors.Is(err, flavor.ErrUnsupported) {
				t.Fatalf("Parse error %v wraps neither ErrCorrupt nor ErrUnsupported", err)
			}
			return
		}
		if _, err := resolve(d); err != nil && !errors.Is(err, flavor.ErrCorrupt) && !errors.Is(err, flavor.ErrUnsupported) {
			t.Fatalf("resolve error %v wraps neither ErrCorrupt nor ErrUnsupported", err)
		}
		if d.Signature != nil {
			d.Signature.Convert()
		}
		out, err := mlmodel.Marshal(d)
		if err != nil {
			return // values YAML cannot write back, such as invalid UTF-8
		}
		again, err := mlmodel.Parse(out)
		if err != nil {
			t.Fatalf("written descriptor does not parse: %v\n%s", err, out)
		}
		out2, err := mlmodel.Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("writing is not stable (%v):\n%s\n---\n%s", err, out, out2)
		}
	})
}
