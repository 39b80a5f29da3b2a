package xgboost

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// readInputs reads a fixture's inputs.json, null meaning NaN.
func readInputs(tb testing.TB, dir string) [][]float64 {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "inputs.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var raw [][]*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		tb.Fatal(err)
	}
	rows := make([][]float64, len(raw))
	for i, r := range raw {
		rows[i] = make([]float64, len(r))
		for j, v := range r {
			rows[i][j] = math.NaN()
			if v != nil {
				rows[i][j] = *v
			}
		}
	}
	return rows
}
