package server

import (
	"reflect"
	"testing"

	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/ui"
)

// A model with an endpoint shows serving's aliases and loaded versions;
// an aliased model serving has not loaded yet shows the registry's.
func TestServedModelsMergeServingAndRegistry(t *testing.T) {
	status := []serving.ModelStatus{{Model: "churn", Aliases: map[string]int64{"production": 3, "alpha": 4},
		Loaded: []serving.Description{{Version: 4}, {Version: 3}}}}
	aliases := []registry.ModelTarget{{Model: "churn", Alias: "production", Version: 5}, {Model: "fraud", Alias: "production", Version: 2},
		{Model: "fraud", Alias: "alpha", Version: 3}}
	got := servedModels(status, aliases)
	want := []ui.ServedModel{
		{Name: "churn", Aliases: []ui.AliasVersion{{Alias: "alpha", Version: 4}, {Alias: "production", Version: 3}}, Loaded: []int64{3, 4}},
		{Name: "fraud", Aliases: []ui.AliasVersion{{Alias: "alpha", Version: 3}, {Alias: "production", Version: 2}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("servedModels:\n got %+v\nwant %+v", got, want)
	}
}
