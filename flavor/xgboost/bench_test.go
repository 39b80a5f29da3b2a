package xgboost

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// benchFixture loads the 100-tree binary:logistic fixture and its rows.
func benchFixture(b *testing.B) (*Model, [][]float64) {
	b.Helper()
	dir := filepath.Join(flavortest.FixturesDir(b), "xgboost", "binary_logistic")
	m, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	return m, readInputs(b, dir)
}

// BenchmarkPredictRow times PredictRow on the fixture's rows in turn (most
// of which have a missing value).
func BenchmarkPredictRow(b *testing.B) {
	m, rows := benchFixture(b)
	out := make([]float64, m.OutputWidth())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.PredictRow(rows[i%len(rows)], out)
	}
}

// BenchmarkPredictBatch64 times Predict on the fixture's 64 rows at once.
func BenchmarkPredictBatch64(b *testing.B) {
	m, rows := benchFixture(b)
	in := []flavor.Tensor{flavortest.InputTensor(InputName, flavor.Float64, rows)}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Predict(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

// BenchmarkPredictRowDense is BenchmarkPredictRow with missing values
// replaced by zero.
func BenchmarkPredictRowDense(b *testing.B) {
	m, rows := benchFixture(b)
	for _, r := range rows {
		for j := range r {
			if r[j] != r[j] {
				r[j] = 0
			}
		}
	}
	out := make([]float64, m.OutputWidth())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.PredictRow(rows[i%len(rows)], out)
	}
}
