package demo

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir"
)

// Every demo model loads in Paddock's own evaluators and answers the
// first traffic rows as its library did when the script trained it
// (XGBoost's predict, scikit-learn's predict_proba).
func TestDemoModelsAnswerAsTheirLibraries(t *testing.T) {
	tf, err := readTraffic()
	if err != nil {
		t.Fatal(err)
	}
	if len(tf.Expected) != 6 {
		t.Fatalf("expected outputs for %d versions, want 6", len(tf.Expected))
	}
	for dir, raw := range tf.Expected {
		t.Run(dir, func(t *testing.T) {
			s := &tf.Churn
			if strings.HasPrefix(dir, "email-intent/") {
				s = &tf.Email
			}
			l, err := modeldir.Load(context.Background(), extractModel(t, dir), modeldir.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Model.Close()
			var want [][]float64
			if err := json.Unmarshal(raw, &want); err != nil {
				// A binary XGBoost model's expected output is one probability a row.
				want = nil
				var flat []float64
				if err := json.Unmarshal(raw, &flat); err != nil {
					t.Fatal(err)
				}
				for _, p := range flat {
					want = append(want, []float64{1 - p, p})
				}
			}
			out, err := l.Model.Predict(context.Background(), inputsFor(t, l.Signature, s, len(want)))
			if err != nil {
				t.Fatal(err)
			}
			got := probabilities(t, out)
			for i := range want {
				for j := range want[i] {
					if math.Abs(got[i][j]-want[i][j]) > 1e-6 {
						t.Fatalf("row %d class %d: %v, the library said %v", i, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

// extractModel writes a model directory of the assets to disk.
func extractModel(t *testing.T, dir string) string {
	t.Helper()
	files, err := modelFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, name := range files {
		b, err := assets.ReadFile(path.Join("assets/models", dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// inputsFor builds the first n rows of a sample as the model takes them:
// one [n, columns] float64 tensor, or one 1-D tensor per column.
func inputsFor(t *testing.T, sig flavor.Signature, s *sample, n int) []flavor.Tensor {
	t.Helper()
	col := map[string]int{}
	for i, name := range s.Columns {
		col[name] = i
	}
	if len(sig.Inputs) == 1 {
		x := flavor.Tensor{Name: sig.Inputs[0].Name, DType: flavor.Float64, Shape: []int{n, len(s.Columns)}}
		for _, row := range s.Rows[:n] {
			for _, v := range row {
				x.F64 = append(x.F64, v.(float64))
			}
		}
		return []flavor.Tensor{x}
	}
	var out []flavor.Tensor
	for _, in := range sig.Inputs {
		c, ok := col[in.Name]
		if !ok {
			t.Fatalf("the model wants column %q, the traffic sample has %v", in.Name, s.Columns)
		}
		x := flavor.Tensor{Name: in.Name, DType: in.DType, Shape: []int{n}}
		for _, row := range s.Rows[:n] {
			switch v := row[c].(type) {
			case string:
				x.Str = append(x.Str, v)
			case float64:
				x.F64 = append(x.F64, v)
			}
		}
		out = append(out, x)
	}
	return out
}

// probabilities reads the class probabilities a model returned.
func probabilities(t *testing.T, out []flavor.Tensor) [][]float64 {
	t.Helper()
	for _, o := range out {
		if o.Name != flavor.OutputProbabilities {
			continue
		}
		vals := o.F64
		if vals == nil {
			for _, v := range o.F32 {
				vals = append(vals, float64(v))
			}
		}
		k := o.Shape[1]
		var rows [][]float64
		for i := 0; i+k <= len(vals); i += k {
			rows = append(rows, vals[i:i+k])
		}
		return rows
	}
	t.Fatalf("no %s output among %d", flavor.OutputProbabilities, len(out))
	return nil
}
