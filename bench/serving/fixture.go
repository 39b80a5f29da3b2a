package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/bench/internal/benchkit"
)

// fixture is the model every server predicts with, the row the load
// sends and XGBoost's own prediction for it.
type fixture struct {
	modelFile   string
	rowIndex    int
	row         []float64
	want        float64
	paddockBody []byte // also the floor's body
	peerBody    []byte
}

// readFixture picks the first row of inputs.json without a missing
// value, so that the very same row can be written as JSON to every server
// and its expected.json value still applies.
func readFixture(dir string) (fixture, error) {
	fx := fixture{modelFile: filepath.Join(dir, "model.json")}
	rows, err := benchkit.ReadRows(filepath.Join(dir, "inputs.json"))
	if err != nil {
		return fx, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		return fx, err
	}
	var expected []float64
	if err := json.Unmarshal(b, &expected); err != nil {
		return fx, fmt.Errorf("%s/expected.json: %w (want one number per row)", dir, err)
	}
	if len(expected) != len(rows) {
		return fx, fmt.Errorf("%s: %d expected values for %d rows", dir, len(expected), len(rows))
	}
	fx.rowIndex = -1
	for i, r := range rows {
		if !hasNaN(r) {
			fx.rowIndex, fx.row, fx.want = i, r, expected[i]
			break
		}
	}
	if fx.rowIndex < 0 {
		return fx, fmt.Errorf("%s/inputs.json: every row has a missing value", dir)
	}
	if fx.paddockBody, err = paddockBody(fx.row); err != nil {
		return fx, err
	}
	fx.peerBody, err = peerBody(fx.row)
	return fx, err
}

func hasNaN(row []float64) bool {
	for _, v := range row {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}
