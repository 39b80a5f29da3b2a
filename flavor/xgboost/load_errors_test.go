package xgboost

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// tinyModel is a hand-written XGBoost 1.7 model: one tree over two
// features,
//
//	node 0: f1 < 0.5 (missing goes left) ? node 1 : node 2 (leaf 1)
//	node 1: f0 < 0   (missing goes right) ? node 3 (leaf -1) : node 4 (leaf -2)
//
// with base_score 0.5 under reg:squarederror.
const tinyModel = `{"learner":{"attributes":{},"feature_names":[],"feature_types":[],
"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1","size_leaf_vector":"0"},
"tree_info":[0],"trees":[{"base_weights":[0,0,0,0,0],"categories":[],"categories_nodes":[],
"categories_segments":[],"categories_sizes":[],"default_left":[1,0,0,0,0],"id":0,
"left_children":[1,3,-1,-1,-1],"loss_changes":[0,0,0,0,0],"parents":[2147483647,0,0,1,1],
"right_children":[2,4,-1,-1,-1],"split_conditions":[0.5,0.0,1.0,-1.0,-2.0],"split_indices":[1,0,0,0,0],
"split_type":[0,0,0,0,0],"sum_hessian":[1,1,1,1,1],
"tree_param":{"num_deleted":"0","num_feature":"2","num_nodes":"5","size_leaf_vector":"0"}}]},"name":"gbtree"},
"learner_model_param":{"base_score":"5E-1","boost_from_average":"1","num_class":"0","num_feature":"2","num_target":"1"},
"objective":{"name":"reg:squarederror","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]}`

// nanMarker is replaced by a bare NaN after encoding, which encoding/json
// cannot write but XGBoost does.
const nanMarker = "__NaN__"

// mutate decodes tinyModel, applies f and re-encodes it.
func mutate(t *testing.T, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(tinyModel), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte(`"`+nanMarker+`"`), []byte("NaN"))
}

func learnerOf(m map[string]any) map[string]any { return m["learner"].(map[string]any) }

func boosterOf(m map[string]any) map[string]any {
	return learnerOf(m)["gradient_booster"].(map[string]any)
}

func gbtreeOf(m map[string]any) map[string]any { return boosterOf(m)["model"].(map[string]any) }

func treeOf(m map[string]any) map[string]any {
	return gbtreeOf(m)["trees"].([]any)[0].(map[string]any)
}

func paramOf(m map[string]any) map[string]any {
	return learnerOf(m)["learner_model_param"].(map[string]any)
}

// setNode sets one element of a per-node tree array.
func setNode(m map[string]any, array string, node int, v any) {
	treeOf(m)[array].([]any)[node] = v
}

func TestTinyModel(t *testing.T) {
	m, err := Parse(strings.NewReader(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	nan := 0.0
	nan /= nan
	// The float64 halfway between 0.5 and the float32 below it rounds (to
	// even) up to 0.5 in float32: not less than 0.5.
	mid := (float64(math.Nextafter32(0.5, 0)) + 0.5) / 2
	cases := []struct {
		name string
		x    []float64
		want float64
	}{
		{"left-left", []float64{-1, 0}, -0.5},
		{"left-right", []float64{1, 0}, -1.5},
		{"right", []float64{0, 2}, 1.5},
		{"missing f1 goes left", []float64{-1, nan}, -0.5},
		{"missing f0 goes right", []float64{nan, 0}, -1.5},
		{"equal goes right", []float64{0, 0.5}, 1.5},
		// 0.49999999999 is below 0.5 as a float64, but XGBoost stores
		// features as float32, where it rounds to 0.5: not less, so right.
		{"float32 rounding", []float64{0, 0.49999999999}, 1.5},
		{"just below in float32", []float64{-1, 0.49999997}, -0.5},
		{"midpoint rounds up", []float64{-1, mid}, 1.5},
		{"midpoint rounds up, missing f0", []float64{nan, mid}, 1.5},
		{"below midpoint", []float64{-1, math.Nextafter(mid, 0)}, -0.5},
	}
	out := make([]float64, 1)
	for _, c := range cases {
		m.PredictRow(c.x, out)
		if out[0] != c.want {
			t.Errorf("%s: PredictRow(%v) = %v, want %v", c.name, c.x, out[0], c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		want error
		msg  string
	}{
		{"empty", raw(""), flavor.ErrCorrupt, "empty"},
		{"not json", raw("hello"), flavor.ErrCorrupt, "not a JSON object"},
		{"truncated", raw(tinyModel[:len(tinyModel)/2]), flavor.ErrCorrupt, "parse json"},
		{"ubjson", raw("{L\x00\x00\x00\x00\x00\x00\x00\x07learner{"), flavor.ErrUnsupported, "UBJSON"},
		{"legacy binary", raw("binf\x00\x00\x00?"), flavor.ErrUnsupported, "legacy binary"},
		{"no learner", raw(`{"version":[1,7,4]}`), flavor.ErrCorrupt, "no learner"},
		{"no version", edit(func(m map[string]any) { delete(m, "version") }), flavor.ErrCorrupt, "no version"},
		{"version 2", edit(func(m map[string]any) { m["version"] = []any{2, 0, 3} }), flavor.ErrUnsupported, "XGBoost [2 0 3]"},
		{"objective", edit(func(m map[string]any) {
			learnerOf(m)["objective"] = map[string]any{"name": "survival:cox"}
		}), flavor.ErrUnsupported, `objective "survival:cox"`},
		{"num_feature not a string", edit(func(m map[string]any) { paramOf(m)["num_feature"] = 2 }), flavor.ErrCorrupt, "parse json"},
		{"num_feature huge", edit(func(m map[string]any) { paramOf(m)["num_feature"] = "2000000" }), flavor.ErrCorrupt, "num_feature 2000000 out of range"},
		{"num_feature zero", edit(func(m map[string]any) { paramOf(m)["num_feature"] = "0" }), flavor.ErrCorrupt, "num_feature 0"},
		{"base_score text", edit(func(m map[string]any) { paramOf(m)["base_score"] = "abc" }), flavor.ErrCorrupt, "base_score"},
		{"base_score outside logit", edit(func(m map[string]any) {
			learnerOf(m)["objective"] = map[string]any{"name": "binary:logistic"}
			paramOf(m)["base_score"] = "1.5"
		}), flavor.ErrCorrupt, "must be in (0, 1)"},
		{"base_score outside log", edit(func(m map[string]any) {
			learnerOf(m)["objective"] = map[string]any{"name": "count:poisson"}
			paramOf(m)["base_score"] = "0"
		}), flavor.ErrCorrupt, "must be positive"},
		{"classes for binary", edit(func(m map[string]any) { paramOf(m)["num_class"] = "3" }), flavor.ErrUnsupported, "num_class 3"},
		{"softprob one class", edit(func(m map[string]any) {
			learnerOf(m)["objective"] = map[string]any{"name": "multi:softprob"}
			paramOf(m)["num_class"] = "1"
		}), flavor.ErrCorrupt, "num_class >= 2"},
		{"feature names", edit(func(m map[string]any) { learnerOf(m)["feature_names"] = []any{"a"} }), flavor.ErrCorrupt, "1 feature_names"},
		{"booster name", edit(func(m map[string]any) { boosterOf(m)["name"] = "gbforest" }), flavor.ErrUnsupported, `booster "gbforest"`},
		{"no booster", edit(func(m map[string]any) { delete(learnerOf(m), "gradient_booster") }), flavor.ErrCorrupt, "no gradient_booster"},
		{"dart without gbtree", edit(func(m map[string]any) { boosterOf(m)["name"] = "dart" }), flavor.ErrCorrupt, "dart booster without"},
		{"gblinear weights", edit(func(m map[string]any) {
			learnerOf(m)["gradient_booster"] = map[string]any{"name": "gblinear", "model": map[string]any{"weights": []any{1, 2}}}
		}), flavor.ErrCorrupt, "gblinear has 2 weights"},
		{"num_trees absurd", edit(func(m map[string]any) {
			gbtreeOf(m)["gbtree_model_param"].(map[string]any)["num_trees"] = "1000000000000"
		}), flavor.ErrCorrupt, `num_trees "1000000000000" is not a count`},
		{"num_trees mismatch", edit(func(m map[string]any) {
			gbtreeOf(m)["gbtree_model_param"].(map[string]any)["num_trees"] = "2"
		}), flavor.ErrCorrupt, "num_trees 2, but 1 trees"},
		{"tree_info group", edit(func(m map[string]any) { gbtreeOf(m)["tree_info"] = []any{1} }), flavor.ErrCorrupt, "tree_info[0] = 1"},
		{"vector leaf", edit(func(m map[string]any) {
			treeOf(m)["tree_param"].(map[string]any)["size_leaf_vector"] = "2"
		}), flavor.ErrUnsupported, "size_leaf_vector 2"},
		{"num_nodes mismatch", edit(func(m map[string]any) {
			treeOf(m)["tree_param"].(map[string]any)["num_nodes"] = "6"
		}), flavor.ErrCorrupt, "left_children has 5 entries, num_nodes is 6"},
		{"num_nodes zero", edit(func(m map[string]any) {
			treeOf(m)["tree_param"].(map[string]any)["num_nodes"] = "0"
		}), flavor.ErrCorrupt, "no nodes"},
		{"short array", edit(func(m map[string]any) { treeOf(m)["split_conditions"] = []any{0.5} }), flavor.ErrCorrupt, "split_conditions has 1 entries"},
		{"child is a string", edit(func(m map[string]any) { setNode(m, "left_children", 0, "1") }), flavor.ErrCorrupt, "parse json"},
		{"child beyond int32", edit(func(m map[string]any) { setNode(m, "left_children", 0, 1e12) }), flavor.ErrCorrupt, "parse json"},
		{"default_left 2", edit(func(m map[string]any) { setNode(m, "default_left", 0, 2) }), flavor.ErrCorrupt, "want 0, 1, true or false"},
		{"cycle to root", edit(func(m map[string]any) { setNode(m, "left_children", 1, 0) }), flavor.ErrCorrupt, "reached twice"},
		{"self loop", edit(func(m map[string]any) { setNode(m, "right_children", 1, 1) }), flavor.ErrCorrupt, "reached twice"},
		{"shared child", edit(func(m map[string]any) { setNode(m, "right_children", 1, 3) }), flavor.ErrCorrupt, "reached twice"},
		{"child out of range", edit(func(m map[string]any) { setNode(m, "right_children", 1, 9) }), flavor.ErrCorrupt, "child 9 out of range"},
		{"negative child", edit(func(m map[string]any) { setNode(m, "right_children", 1, -7) }), flavor.ErrCorrupt, "child -7 out of range"},
		{"one child", edit(func(m map[string]any) { setNode(m, "right_children", 1, -1) }), flavor.ErrCorrupt, "one child"},
		{"feature out of range", edit(func(m map[string]any) { setNode(m, "split_indices", 1, 2) }), flavor.ErrCorrupt, "split feature 2 out of range"},
		{"negative feature", edit(func(m map[string]any) { setNode(m, "split_indices", 0, -1) }), flavor.ErrCorrupt, "split feature -1"},
		{"NaN threshold", edit(func(m map[string]any) { setNode(m, "split_conditions", 1, nanMarker) }), flavor.ErrCorrupt, "node 1: " + flavor.ErrCorrupt.Error() + ": split condition is NaN"},
		{"NaN leaf", edit(func(m map[string]any) { setNode(m, "split_conditions", 3, nanMarker) }), flavor.ErrCorrupt, "leaf value NaN"},
		{"float32 overflow", edit(func(m map[string]any) { setNode(m, "split_conditions", 2, 1e39) }), flavor.ErrCorrupt, "out of float32 range"},
		{"threshold is a string", edit(func(m map[string]any) { setNode(m, "split_conditions", 0, "0.5") }), flavor.ErrCorrupt, "want a number"},
		{"split_type 7", edit(func(m map[string]any) { setNode(m, "split_type", 0, 7) }), flavor.ErrCorrupt, "split_type 7"},
		{"categorical without categories", edit(func(m map[string]any) { setNode(m, "split_type", 0, 1) }), flavor.ErrCorrupt, "without categories"},
		{"category segment past end", edit(func(m map[string]any) {
			setNode(m, "split_type", 0, 1)
			tr := treeOf(m)
			tr["categories"], tr["categories_nodes"] = []any{1, 2}, []any{0}
			tr["categories_segments"], tr["categories_sizes"] = []any{0}, []any{5}
		}), flavor.ErrCorrupt, "category segment 0"},
		{"negative category", edit(func(m map[string]any) {
			setNode(m, "split_type", 0, 1)
			tr := treeOf(m)
			tr["categories"], tr["categories_nodes"] = []any{-1}, []any{0}
			tr["categories_segments"], tr["categories_sizes"] = []any{0}, []any{1}
		}), flavor.ErrCorrupt, "not increasing values"},
		{"category arrays differ", edit(func(m map[string]any) {
			treeOf(m)["categories_nodes"] = []any{0}
		}), flavor.ErrCorrupt, "differ in length"},
		{"dart weights", edit(func(m map[string]any) {
			learnerOf(m)["gradient_booster"] = map[string]any{
				"name": "dart", "gbtree": boosterOf(m), "weight_drop": []any{1, 1},
			}
		}), flavor.ErrCorrupt, "dart has 2 weights for 1 trees"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(c.data(t)))
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not mention %q", err, c.msg)
			}
		})
	}
}

func raw(s string) func(*testing.T) []byte {
	return func(*testing.T) []byte { return []byte(s) }
}

func edit(f func(m map[string]any)) func(*testing.T) []byte {
	return func(t *testing.T) []byte { return mutate(t, f) }
}

func TestParseSizeLimit(t *testing.T) {
	_, err := parse(strings.NewReader(tinyModel), int64(len(tinyModel)-1))
	if !errors.Is(err, flavor.ErrCorrupt) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("error %v, want a size error", err)
	}
	if _, err := parse(strings.NewReader(tinyModel), int64(len(tinyModel))); err != nil {
		t.Fatalf("model at the limit: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty dir: error %v, want not exist", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.ubj"), []byte("{L"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); !errors.Is(err, flavor.ErrUnsupported) || !strings.Contains(err.Error(), "UBJSON") {
		t.Errorf("ubj only: error %v, want unsupported UBJSON", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ModelFile), []byte(tinyModel[:40]), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); !errors.Is(err, flavor.ErrCorrupt) || !strings.Contains(err.Error(), dir) {
		t.Errorf("truncated: error %v, want corrupt naming the path", err)
	}
}
