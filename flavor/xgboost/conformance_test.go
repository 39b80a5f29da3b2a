package xgboost

import (
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// conformanceTol is the brief's bar: Booster.predict within 1e-6.
const conformanceTol = 1e-6

func loadModel(dir string) (flavor.Model, error) { return Load(dir) }

// TestConformance reproduces Booster.predict on every XGBoost fixture,
// batch and row by row.
func TestConformance(t *testing.T) {
	for _, dir := range flavortest.Fixtures(t, "xgboost") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			flavortest.Run(t, flavortest.Case{
				Dir: dir, Load: loadModel, Output: flavor.OutputPredictions, Tol: conformanceTol,
			})
		})
	}
}
