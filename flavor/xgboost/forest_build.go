package xgboost

import (
	"fmt"
	"math"
	"slices"

	"github.com/paddockml/paddock/flavor"
)

// buildForest validates every tree and flattens them into one forest,
// grouped by output group. weights, when not nil, holds DART's per-tree
// weight_drop factors, folded into the leaf values: XGBoost adds
// float32(leaf*weight) per tree, which is exactly a leaf prescaled in
// float32.
func buildForest(trees []treeJSON, info []int32, numGroup, numFeature int, weights []float32) (*forest, error) {
	order := make([]int, len(trees))
	for i, g := range info {
		if g < 0 || int(g) >= numGroup {
			return nil, corrupt("tree_info[%d] = %d, want an output group in [0, %d)", i, g, numGroup)
		}
		order[i] = i
	}
	// Stable, so each group keeps its trees in boosting order.
	slices.SortStableFunc(order, func(a, b int) int { return int(info[a]) - int(info[b]) })
	f := &forest{groupStart: make([]int, numGroup+1)}
	for _, t := range order {
		w := float32(1)
		if weights != nil {
			w = weights[t]
		}
		root, err := f.addTree(&trees[t], numFeature, w)
		if err != nil {
			return nil, fmt.Errorf("tree %d: %w", t, err)
		}
		f.roots = append(f.roots, root)
		f.groupStart[info[t]+1] = len(f.roots)
	}
	// Groups without trees start where the previous group ended.
	for g := 1; g <= numGroup; g++ {
		f.groupStart[g] = max(f.groupStart[g], f.groupStart[g-1])
	}
	return f, nil
}

// addTree appends one tree breadth first from its root, so that only
// reachable nodes are kept (deleted nodes are dropped), siblings are
// adjacent, and a node reached twice (a cycle or a shared child) is an
// error rather than an endless walk at predict time.
func (f *forest) addTree(t *treeJSON, numFeature int, w float32) (int32, error) {
	n, err := checkTreeArrays(t)
	if err != nil {
		return 0, err
	}
	cats, err := treeCategories(t, n)
	if err != nil {
		return 0, err
	}
	base := len(f.nodes)
	if base+n > math.MaxInt32 {
		return 0, corrupt("forest has more than %d nodes", math.MaxInt32)
	}
	seen := make([]bool, n)
	seen[0] = true
	queue := []int32{0}
	// level[k] is the depth of queue[k]; the deepest leaf bounds the walk.
	level := []int32{0}
	depth := int32(0)
	for k := 0; k < len(queue); k++ {
		id := queue[k]
		nd, leaf, err := f.convertNode(t, id, cats, numFeature, w)
		if err != nil {
			return 0, fmt.Errorf("node %d: %w", id, err)
		}
		self := int32(base + k)
		if nd.feat&leafBit != 0 {
			nd.left = self - 1 // see node: a leaf steps back to itself
			depth = max(depth, level[k])
		} else {
			l, r := t.LeftChildren[id], t.RightChildren[id]
			if err := checkChildren(l, r, n, seen); err != nil {
				return 0, fmt.Errorf("node %d: %w", id, err)
			}
			nd.left = int32(base + len(queue))
			queue = append(queue, l, r)
			level = append(level, level[k]+1, level[k]+1)
		}
		f.nodes = append(f.nodes, nd)
		f.leafValue = append(f.leafValue, leaf)
	}
	f.depth = append(f.depth, depth)
	return int32(base), nil
}

// checkChildren checks a split's children exist and were not reached
// before, then marks them seen.
func checkChildren(l, r int32, n int, seen []bool) error {
	for _, c := range [2]int32{l, r} {
		if c < 0 || int(c) >= n {
			return corrupt("child %d out of range [0, %d)", c, n)
		}
		if seen[c] {
			return corrupt("child %d reached twice (cycle or shared node)", c)
		}
		seen[c] = true
	}
	return nil
}

// convertNode builds the packed node for tree node id, without its child
// link, and returns a leaf's value.
func (f *forest) convertNode(t *treeJSON, id int32, cats map[int32][]int32, numFeature int, w float32) (node, float32, error) {
	cond := float32(t.SplitConditions[id])
	l, r := t.LeftChildren[id], t.RightChildren[id]
	if l == -1 && r == -1 {
		v := cond * w
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return node{}, 0, corrupt("leaf value %v is not finite", v)
		}
		return node{thr: math.NaN(), feat: leafBit}, v, nil
	}
	if l == -1 || r == -1 {
		return node{}, 0, corrupt("split with one child (%d, %d)", l, r)
	}
	feat := t.SplitIndices[id]
	if feat < 0 || int(feat) >= numFeature {
		return node{}, 0, corrupt("split feature %d out of range [0, %d)", feat, numFeature)
	}
	nd := node{feat: uint32(feat)}
	if t.DefaultLeft[id] {
		nd.feat |= defaultLeftBit
	}
	if len(t.SplitType) > 0 && t.SplitType[id] != 0 {
		if t.SplitType[id] != 1 {
			return node{}, 0, corrupt("split_type %d, want 0 (numerical) or 1 (categorical)", t.SplitType[id])
		}
		set, ok := cats[id]
		if !ok {
			return node{}, 0, corrupt("categorical split without categories")
		}
		nd.feat |= categoricalBit
		nd.thr = float64(len(f.catSets))
		f.catSets = append(f.catSets, set)
		return nd, 0, nil
	}
	if math.IsNaN(float64(cond)) {
		return node{}, 0, corrupt("split condition is NaN")
	}
	nd.thr = lessBound(cond)
	return nd, 0, nil
}

// checkTreeArrays checks that every per-node array has num_nodes entries
// and returns num_nodes.
func checkTreeArrays(t *treeJSON) (int, error) {
	n, err := parseCount(t.Param.NumNodes, "tree_param.num_nodes")
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, corrupt("tree has no nodes")
	}
	if s := t.Param.SizeLeafVector; s != "" && s != "0" {
		return 0, fmt.Errorf("%w: vector leaves (size_leaf_vector %s)", flavor.ErrUnsupported, s)
	}
	lengths := []struct {
		name string
		n    int
	}{
		{"left_children", len(t.LeftChildren)},
		{"right_children", len(t.RightChildren)},
		{"split_indices", len(t.SplitIndices)},
		{"split_conditions", len(t.SplitConditions)},
		{"default_left", len(t.DefaultLeft)},
	}
	for _, l := range lengths {
		if l.n != n {
			return 0, corrupt("%s has %d entries, num_nodes is %d", l.name, l.n, n)
		}
	}
	if len(t.SplitType) != 0 && len(t.SplitType) != n {
		return 0, corrupt("split_type has %d entries, num_nodes is %d", len(t.SplitType), n)
	}
	return n, nil
}

// treeCategories returns, per categorical node, the categories that go
// right. XGBoost writes them as one array cut into consecutive segments,
// each strictly increasing; requiring exactly that layout keeps validation
// linear in the file size and lets the sets share the decoded array.
func treeCategories(t *treeJSON, n int) (map[int32][]int32, error) {
	nodes, segs, sizes := t.CategoriesNodes, t.CategoriesSegments, t.CategoriesSizes
	if len(segs) != len(nodes) || len(sizes) != len(nodes) {
		return nil, corrupt("categories_nodes, categories_segments and categories_sizes differ in length (%d, %d, %d)",
			len(nodes), len(segs), len(sizes))
	}
	sets := make(map[int32][]int32, len(nodes))
	next := int64(0)
	for i, id := range nodes {
		if id < 0 || int(id) >= n || (i > 0 && id <= nodes[i-1]) {
			return nil, corrupt("categories_nodes[%d] = %d: not an increasing node id below %d", i, id, n)
		}
		if segs[i] != next || sizes[i] < 1 || sizes[i] > int64(len(t.Categories))-next {
			return nil, corrupt("category segment %d (offset %d, size %d) does not follow the previous one within %d categories",
				i, segs[i], sizes[i], len(t.Categories))
		}
		set := t.Categories[next : next+sizes[i]]
		for j, c := range set {
			if c < 0 || c >= maxCategory || (j > 0 && c <= set[j-1]) {
				return nil, corrupt("categories of node %d are not increasing values in [0, %d)", id, maxCategory)
			}
		}
		sets[id] = set
		next += sizes[i]
	}
	if next != int64(len(t.Categories)) {
		return nil, corrupt("%d categories listed but segments cover %d", len(t.Categories), next)
	}
	return sets, nil
}
