package xgboost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/flavor"
)

// ModelFile is the file name Load reads inside a model directory.
const ModelFile = "model.json"

// MaxModelBytes is the largest model file Load and Parse accept (512 MiB),
// so that a hostile file cannot exhaust memory.
const MaxModelBytes = 512 << 20

// Limits on declared sizes, checked before anything is allocated from them.
const (
	maxFeatures = 1 << 20 // input columns
	maxGroups   = 1 << 16 // classes or targets
)

// Load reads dir/model.json, a model saved by XGBoost's
// Booster.save_model. Other XGBoost formats (UBJSON, the legacy binary) are
// refused with an error wrapping flavor.ErrUnsupported.
func Load(dir string) (*Model, error) {
	path := filepath.Join(dir, ModelFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, uerr := os.Stat(filepath.Join(dir, "model.ubj")); uerr == nil {
			return nil, fmt.Errorf("load %s: %w: UBJSON model; save it as JSON (model.json)", dir, flavor.ErrUnsupported)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load xgboost model: %w", err)
	}
	defer f.Close()
	m, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, nil
}

// Parse reads a model in XGBoost's JSON format from r, validating every
// tree.
func Parse(r io.Reader) (*Model, error) {
	return parse(r, MaxModelBytes)
}

// parse is Parse with the size limit as a parameter, for tests.
func parse(r io.Reader, limit int64) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read xgboost model: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, corrupt("model larger than %d bytes", limit)
	}
	if err := checkFormat(data); err != nil {
		return nil, err
	}
	var file modelFile
	if err := json.Unmarshal(sanitize(data), &file); err != nil {
		return nil, corrupt("parse json: %v", err)
	}
	return newModel(&file)
}

// checkFormat recognises XGBoost's non-JSON formats so they get a clear
// "unsupported" error rather than a JSON syntax error.
func checkFormat(data []byte) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return corrupt("empty file")
	case bytes.HasPrefix(trimmed, []byte("binf")):
		return fmt.Errorf("%w: legacy binary XGBoost model; save it as JSON", flavor.ErrUnsupported)
	case trimmed[0] != '{':
		return corrupt("not a JSON object")
	case len(trimmed) > 1 && bytes.IndexByte([]byte("iUIlL$#"), trimmed[1]) >= 0:
		// UBJSON objects start with '{' then a length-typed key.
		return fmt.Errorf("%w: UBJSON XGBoost model; save it as JSON", flavor.ErrUnsupported)
	}
	return nil
}

// newModel checks the learner's parameters and builds the evaluator.
func newModel(file *modelFile) (*Model, error) {
	if err := checkVersion(file.Version); err != nil {
		return nil, err
	}
	l := file.Learner
	if l == nil {
		return nil, corrupt("no learner object")
	}
	obj, err := lookupObjective(l.Objective.Name)
	if err != nil {
		return nil, err
	}
	m := &Model{obj: obj}
	if err := m.setShape(&l.LearnerModelParam); err != nil {
		return nil, err
	}
	base, err := parseFloat32(l.LearnerModelParam.BaseScore, "base_score")
	if err != nil {
		return nil, err
	}
	if m.base, err = obj.link.margin(base); err != nil {
		return nil, err
	}
	if err := m.setBooster(l.GradientBooster); err != nil {
		return nil, err
	}
	if err := m.setSignature(l.FeatureNames, l.FeatureTypes); err != nil {
		return nil, err
	}
	return m, nil
}

// checkVersion accepts models written by XGBoost 1.x, the JSON layout this
// package implements.
func checkVersion(v []int) error {
	if len(v) == 0 {
		return corrupt("no version")
	}
	if v[0] != 1 {
		return fmt.Errorf("%w: model written by XGBoost %v, want 1.x", flavor.ErrUnsupported, v)
	}
	return nil
}

// setShape reads num_feature, num_class and num_target and derives the
// number of margins and predictions per row.
func (m *Model) setShape(p *learnerParamJSON) error {
	nf, err := parseCount(p.NumFeature, "num_feature")
	if err != nil {
		return err
	}
	if nf < 1 || nf > maxFeatures {
		return corrupt("num_feature %d out of range [1, %d]", nf, maxFeatures)
	}
	classes, err := parseCount(p.NumClass, "num_class")
	if err != nil {
		return err
	}
	targets := 1
	if p.NumTarget != "" {
		if targets, err = parseCount(p.NumTarget, "num_target"); err != nil {
			return err
		}
	}
	if classes > maxGroups || targets < 1 || targets > maxGroups {
		return corrupt("num_class %d or num_target %d out of range", classes, targets)
	}
	m.numFeature, m.numGroup = nf, targets
	switch {
	case m.obj.multiclass() && targets > 1:
		return fmt.Errorf("%w: %s with %d targets", flavor.ErrUnsupported, m.obj.name, targets)
	case m.obj.multiclass() && classes < 2:
		return corrupt("%s needs num_class >= 2, got %d", m.obj.name, classes)
	case m.obj.multiclass():
		m.numGroup = classes
	case classes > 1:
		return fmt.Errorf("%w: num_class %d with objective %s", flavor.ErrUnsupported, classes, m.obj.name)
	}
	m.width = m.numGroup
	if m.obj.transform == transformSoftmax {
		m.width = 1
	}
	return nil
}

// setBooster builds the trees (gbtree, dart) or coefficients (gblinear).
func (m *Model) setBooster(b *boosterJSON) error {
	if b == nil {
		return corrupt("no gradient_booster object")
	}
	switch b.Name {
	case "gbtree":
		return m.setTrees(b.Model, nil)
	case "dart":
		if b.GBTree == nil {
			return corrupt("dart booster without its gbtree object")
		}
		return m.setTrees(b.GBTree.Model, b.WeightDrop)
	case "gblinear":
		if b.Model == nil {
			return corrupt("gblinear booster without a model object")
		}
		l, err := newLinear(b.Model.Weights, m.numFeature, m.numGroup)
		m.linear = l
		return err
	}
	return fmt.Errorf("%w: booster %q", flavor.ErrUnsupported, b.Name)
}

// setTrees validates a gbtree model; drop holds DART's weights or is nil.
func (m *Model) setTrees(t *treesJSON, drop []jsonFloat) error {
	if t == nil {
		return corrupt("gbtree booster without a model object")
	}
	n, err := parseCount(t.Param.NumTrees, "num_trees")
	if err != nil {
		return err
	}
	if n != len(t.Trees) || len(t.TreeInfo) != len(t.Trees) {
		return corrupt("num_trees %d, but %d trees and %d tree_info entries", n, len(t.Trees), len(t.TreeInfo))
	}
	if s := t.Param.SizeLeafVector; s != "" && s != "0" {
		return fmt.Errorf("%w: vector leaves (size_leaf_vector %s)", flavor.ErrUnsupported, s)
	}
	var weights []float32
	if drop != nil {
		if len(drop) != len(t.Trees) {
			return corrupt("dart has %d weights for %d trees", len(drop), len(t.Trees))
		}
		weights = make([]float32, len(drop))
		for i, w := range drop {
			weights[i] = float32(w)
		}
	}
	m.forest, err = buildForest(t.Trees, t.TreeInfo, m.numGroup, m.numFeature, weights)
	return err
}
