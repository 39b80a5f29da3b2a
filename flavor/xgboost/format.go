package xgboost

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// The structs below mirror the parts of XGBoost's JSON model schema
// (doc/model.schema in the XGBoost sources) that prediction needs. Fields the
// evaluator does not use (loss_changes, sum_hessian, base_weights, parents,
// training parameters) are not decoded; encoding/json still checks their
// syntax.

// modelFile is the whole document written by Booster.save_model.
type modelFile struct {
	Learner *learnerJSON `json:"learner"`
	Version []int        `json:"version"`
}

type learnerJSON struct {
	FeatureNames      []string         `json:"feature_names"`
	FeatureTypes      []string         `json:"feature_types"`
	GradientBooster   *boosterJSON     `json:"gradient_booster"`
	LearnerModelParam learnerParamJSON `json:"learner_model_param"`
	Objective         objectiveJSON    `json:"objective"`
}

// learnerParamJSON holds numbers XGBoost stores as decimal strings.
type learnerParamJSON struct {
	BaseScore  string `json:"base_score"`
	NumClass   string `json:"num_class"`
	NumFeature string `json:"num_feature"`
	NumTarget  string `json:"num_target"`
}

type objectiveJSON struct {
	Name string `json:"name"`
}

// boosterJSON covers all three boosters: gbtree uses Model, dart nests a
// gbtree under GBTree and adds WeightDrop, gblinear uses Model.Weights.
type boosterJSON struct {
	Name       string       `json:"name"`
	Model      *treesJSON   `json:"model"`
	GBTree     *boosterJSON `json:"gbtree"`
	WeightDrop []jsonFloat  `json:"weight_drop"`
}

type treesJSON struct {
	Param    gbtreeParamJSON `json:"gbtree_model_param"`
	Trees    []treeJSON      `json:"trees"`
	TreeInfo []int32         `json:"tree_info"`
	// Weights is gblinear's coefficient matrix.
	Weights []jsonFloat `json:"weights"`
}

type gbtreeParamJSON struct {
	NumTrees       string `json:"num_trees"`
	SizeLeafVector string `json:"size_leaf_vector"`
}

// treeJSON is one RegTree in structure-of-arrays form, indexed by node id.
type treeJSON struct {
	Param              treeParamJSON `json:"tree_param"`
	LeftChildren       []int32       `json:"left_children"`
	RightChildren      []int32       `json:"right_children"`
	SplitIndices       []int32       `json:"split_indices"`
	SplitConditions    []jsonFloat   `json:"split_conditions"`
	DefaultLeft        []jsonBool    `json:"default_left"`
	SplitType          []int32       `json:"split_type"`
	Categories         []int32       `json:"categories"`
	CategoriesNodes    []int32       `json:"categories_nodes"`
	CategoriesSegments []int64       `json:"categories_segments"`
	CategoriesSizes    []int64       `json:"categories_sizes"`
}

type treeParamJSON struct {
	NumNodes       string `json:"num_nodes"`
	SizeLeafVector string `json:"size_leaf_vector"`
}

// jsonFloat is a float32 that also accepts the strings "NaN", "Infinity"
// and "-Infinity", which sanitize substitutes for the bare words XGBoost
// writes for non-finite numbers (a categorical split's condition is NaN).
type jsonFloat float32

// UnmarshalJSON parses a JSON number, or one of the non-finite spellings,
// rounding to float32 the way XGBoost's reader does.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
		return nil
	case `"Infinity"`:
		*f = jsonFloat(math.Inf(1))
		return nil
	case `"-Infinity"`:
		*f = jsonFloat(math.Inf(-1))
		return nil
	}
	if len(b) == 0 || b[0] == '"' || b[0] == 'n' || b[0] == 't' || b[0] == 'f' || b[0] == '[' || b[0] == '{' {
		return fmt.Errorf("want a number, got %.20s", b)
	}
	v, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		return fmt.Errorf("number %.40s out of float32 range", b)
	}
	*f = jsonFloat(v)
	return nil
}

// jsonBool accepts both encodings of default_left seen in XGBoost's JSON:
// 0/1 integers (1.x) and true/false.
type jsonBool bool

// UnmarshalJSON parses 0, 1, true or false.
func (v *jsonBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "0", "false":
		*v = false
	case "1", "true":
		*v = true
	default:
		return fmt.Errorf("want 0, 1, true or false, got %.20s", b)
	}
	return nil
}

// nonFinite lists the bare words XGBoost's JSON writer emits for
// non-finite floats, which standard JSON does not allow.
var nonFinite = [][]byte{[]byte("NaN"), []byte("-Infinity"), []byte("Infinity")}

// sanitize returns data with XGBoost's bare NaN, Infinity and -Infinity
// tokens quoted so that encoding/json accepts the document. Text inside
// strings is left alone. It copies only when a token is found.
func sanitize(data []byte) []byte {
	var out []byte
	last := 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		if c != 'N' && c != 'I' && c != '-' {
			continue
		}
		for _, tok := range nonFinite {
			if bytes.HasPrefix(data[i:], tok) {
				out = append(out, data[last:i]...)
				out = append(out, '"')
				out = append(out, tok...)
				out = append(out, '"')
				i += len(tok) - 1
				last = i + 1
				break
			}
		}
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}
