package sklearn

import (
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// tree is a flattened sklearn.tree._tree.Tree. scikit-learn casts X to
// float32 before predicting and compares float32(x) <= threshold in
// double precision; rows are rounded the same way (see prepareRow).
type tree struct {
	nodes    []treeNode
	value    []float64 // stride values per node: [n_outputs x max_n_classes]
	stride   int
	outputs  int
	classes  []int // n_classes per output
	features int
	missing  bool // nodes carry missing_go_to_left (scikit-learn >= 1.3)
}

type treeNode struct {
	left, right int32 // -1 at a leaf
	feature     int32
	missLeft    bool
	threshold   float64
}

// maxNodes keeps node indexes within int32.
const maxNodes = math.MaxInt32

// readTree rebuilds a Tree from its constructor arguments (n_features,
// n_classes, n_outputs) and state {node_count, nodes, values}.
func readTree(v any) (*tree, error) {
	o, ok := v.(*pyObject)
	if !ok || o.class != "sklearn.tree._tree.Tree" {
		return nil, fmt.Errorf("%w: tree_ is %s", flavor.ErrCorrupt, typeName(v))
	}
	t, err := treeHeader(o)
	if err != nil {
		return nil, err
	}
	count, err := o.integer("node_count")
	if err != nil {
		return nil, err
	}
	nodes, err := o.array("nodes")
	if err != nil {
		return nil, err
	}
	if count < 1 || count > maxNodes || nodes.dt.fields == nil || nodes.size() != count || len(nodes.shape) != 1 {
		return nil, o.errorf("nodes", "is not a record array of node_count=%d nodes", count)
	}
	if err := t.readNodes(o, nodes); err != nil {
		return nil, err
	}
	values, err := o.array("values")
	if err != nil {
		return nil, err
	}
	if len(values.shape) != 3 || values.shape[0] != count || values.shape[1] != t.outputs || values.shape[2]*t.outputs != t.stride {
		return nil, o.errorf("values", "has shape %v, want (%d, %d, %d)", values.shape, count, t.outputs, t.stride/t.outputs)
	}
	if t.value, err = values.float64s(); err != nil {
		return nil, err
	}
	return t, nil
}

// treeHeader reads the Tree constructor arguments.
func treeHeader(o *pyObject) (*tree, error) {
	if len(o.args) != 3 {
		return nil, o.errorf("__init__", "takes (n_features, n_classes, n_outputs), got %d arguments", len(o.args))
	}
	features, ok1 := asInt(o.args[0])
	outputs, ok2 := asInt(o.args[2])
	nc, ok3 := asArray(o.args[1])
	if !ok1 || !ok2 || !ok3 || features < 1 || outputs < 1 || outputs > 1<<16 {
		return nil, o.errorf("__init__", "malformed (n_features, n_classes, n_outputs)")
	}
	classes, err := nc.ints()
	if err != nil || len(classes) != outputs {
		return nil, o.errorf("n_classes", "does not hold one count per output")
	}
	maxc := 0
	for _, c := range classes {
		if c < 1 || c > 1<<20 {
			return nil, o.errorf("n_classes", "holds %d", c)
		}
		maxc = max(maxc, c)
	}
	return &tree{features: features, outputs: outputs, classes: classes, stride: outputs * maxc}, nil
}

// readNodes copies the node records and checks the structure: every
// child index points forward (scikit-learn appends children after their
// parent), which rules out cycles and out-of-range jumps.
func (t *tree) readNodes(o *pyObject, nodes *ndarray) error {
	get := func(name string) (dtypeField, error) {
		f, ok := nodes.dt.fields[name]
		if !ok || !f.dt.numeric() {
			return f, o.errorf("nodes", "has no numeric field %q", name)
		}
		return f, nil
	}
	var fs [4]dtypeField
	for i, name := range []string{"left_child", "right_child", "feature", "threshold"} {
		f, err := get(name)
		if err != nil {
			return err
		}
		fs[i] = f
	}
	miss, hasMiss := nodes.dt.fields["missing_go_to_left"]
	t.missing = hasMiss
	if err := nodes.charge(32 * nodes.size()); err != nil {
		return err
	}
	t.nodes = make([]treeNode, nodes.size())
	for i := range t.nodes {
		left, right := nodes.record(i, fs[0]), nodes.record(i, fs[1])
		feat, thr := nodes.record(i, fs[2]), nodes.record(i, fs[3])
		n := &t.nodes[i]
		n.left, n.right, n.threshold = -1, -1, thr
		if hasMiss {
			n.missLeft = nodes.record(i, miss) != 0
		}
		if left == -1 && right == -1 {
			continue
		}
		count := float64(len(t.nodes))
		if !(left > float64(i) && left < count && right > float64(i) && right < count) {
			return o.errorf("nodes", "node %d has children %v and %v outside (%d, %d)", i, left, right, i, len(t.nodes))
		}
		if !(feat >= 0 && feat < float64(t.features)) || math.IsNaN(thr) {
			return o.errorf("nodes", "node %d splits on feature %v of %d", i, feat, t.features)
		}
		n.left, n.right, n.feature = int32(left), int32(right), int32(feat)
	}
	return nil
}

// leaf walks row x (already rounded to float32) to its leaf.
func (t *tree) leaf(x []float64) int {
	i := int32(0)
	for {
		n := &t.nodes[i]
		if n.left < 0 {
			return int(i)
		}
		v := x[n.feature]
		switch {
		case v <= n.threshold:
			i = n.left
		case t.missing && v != v: // NaN
			if n.missLeft {
				i = n.left
			} else {
				i = n.right
			}
		default:
			i = n.right
		}
	}
}

// prepareRow copies row i of cols into x, rounded to float32 as
// scikit-learn's tree input validation does, and refuses values
// scikit-learn refuses: infinities (including float32 overflow) and NaN
// unless the trees route missing values.
func prepareRow(who string, cols [][]float64, i int, x []float64, allowNaN bool) error {
	for j, c := range cols {
		v := float64(float32(c[i]))
		if math.IsInf(v, 0) || (v != v && !allowNaN) {
			return flavor.InputError("%s: row %d feature %d is %v, which trees cannot take", who, i, j, c[i])
		}
		x[j] = v
	}
	return nil
}

// treeInput validates the frame for tree models.
func treeInput(who string, f *frame, features int) ([][]float64, error) {
	if err := f.checkWidth(who, features); err != nil {
		return nil, err
	}
	return f.numeric(who)
}
