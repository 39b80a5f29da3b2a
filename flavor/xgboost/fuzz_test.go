package xgboost

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// maxSeedBytes keeps the fuzzer's seeds small enough to mutate quickly.
const maxSeedBytes = 100 << 10

// FuzzParse feeds mutated model files to Parse: each must load or fail
// with ErrCorrupt or ErrUnsupported, and a loaded model must predict any
// row without panicking or hanging.
func FuzzParse(f *testing.F) {
	f.Add([]byte(tinyModel))
	for _, dir := range flavortest.Fixtures(f, "xgboost") {
		data, err := os.ReadFile(filepath.Join(dir, ModelFile))
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > maxSeedBytes {
			continue
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	for _, variant := range [][2]string{
		{`"left_children":[1,3,`, `"left_children":[1,0,`},   // cycle
		{`"right_children":[2,4,`, `"right_children":[2,1,`}, // self loop
		{`"split_indices":[1,`, `"split_indices":[7,`},       // feature out of range
		{`"split_conditions":[0.5,`, `"split_conditions":[NaN,`},
		{`"num_nodes":"5"`, `"num_nodes":"1000000000000"`},
		{`"split_type":[0,`, `"split_type":[1,`},
	} {
		f.Add(bytes.Replace([]byte(tinyModel), []byte(variant[0]), []byte(variant[1]), 1))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, flavor.ErrCorrupt) && !errors.Is(err, flavor.ErrUnsupported) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrUnsupported", err)
			}
			return
		}
		exercise(t, m)
	})
}

// exercise predicts rows that reach every kind of branch: zeros, missing
// values, infinities and a ramp.
func exercise(t *testing.T, m *Model) {
	nf := m.NumFeature()
	if nf > 4096 {
		nf = 0 // only the Signature check below: rows would be too big
	}
	var batch []float64
	for _, v := range []float64{0, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -2.5} {
		for j := range nf {
			batch = append(batch, v+float64(j%7))
		}
	}
	out := make([]float64, m.OutputWidth())
	for r := 0; nf > 0 && r*nf < len(batch); r++ {
		m.PredictRow(batch[r*nf:(r+1)*nf], out)
	}
	if nf > 0 {
		in := flavor.Tensor{Name: InputName, DType: flavor.Float64, Shape: []int{len(batch) / nf, nf}, F64: batch}
		if _, err := m.Predict(context.Background(), []flavor.Tensor{in}); err != nil {
			t.Fatalf("predict: %v", err)
		}
	}
	if s := m.Signature(); len(s.Columns) != m.NumFeature() || len(s.Outputs) == 0 {
		t.Fatalf("signature %+v", s)
	}
}
