package compare_test

import (
	"slices"
	"testing"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/serving/live/compare"
)

// TestMetricNamesMatchConfig keeps the metrics rules may name (checked
// when the config is read) and the metrics this package computes equal.
func TestMetricNamesMatchConfig(t *testing.T) {
	t.Parallel()
	got, want := compare.MetricNames(), config.LiveMetricNames
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("compare.MetricNames() = %v, config.LiveMetricNames = %v", got, want)
	}
}
