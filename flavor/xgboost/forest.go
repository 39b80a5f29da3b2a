package xgboost

import "slices"

// Flag bits packed into node.feat above the feature index.
const (
	defaultLeftBit = 1 << 31 // a missing value goes to the left child
	categoricalBit = 1 << 30 // the split tests category membership
	leafBit        = 1 << 29 // the node is a leaf
	featureMask    = leafBit - 1
)

// maxCategory is XGBoost's OutOfRangeCat (2^24): larger or negative
// category values are invalid and go left.
const maxCategory = 1 << 24

// node is one tree node packed into 16 bytes so four share a cache line.
// All trees' nodes live in one slice, each tree laid out breadth first with
// siblings adjacent, so the right child is always left+1.
//
// A leaf is laid out so that one more step of the branch-free walk
// (left + 1 when !(x < thr)) leads back to itself: thr is NaN, so the test
// always fails, and left is its own index minus one. Walks of several trees
// can then run in lockstep for a fixed number of steps.
type node struct {
	// thr is, for a numerical split, lessBound of XGBoost's float32
	// split_condition; for a categorical split, the index of its category
	// set in forest.catSets; for a leaf, NaN.
	thr float64
	// feat is the split feature index with defaultLeftBit and
	// categoricalBit, or leafBit (feature 0) for a leaf.
	feat uint32
	// left is the left child's index in forest.nodes; for a leaf, its own
	// index minus one.
	left int32
}

// forest is an ensemble of flattened regression trees.
type forest struct {
	nodes []node
	// leafValue holds each leaf's value at the leaf's node index.
	leafValue []float32
	// roots holds each tree's root index, ordered by output group and,
	// within a group, by tree order. XGBoost adds leaves to a group's margin
	// in tree order, so summing a group's trees in sequence reproduces its
	// float32 rounding exactly.
	roots []int32
	// depth[k] is the number of steps from roots[k] to its deepest leaf.
	depth []int32
	// groupStart[g]:groupStart[g+1] indexes the roots of output group g.
	groupStart []int
	// catSets holds the sorted categories that go right at each
	// categorical split.
	catSets [][]int32
}

// lanes is how many tree walks run interleaved. The walks are chains of
// dependent loads; running several at once lets the CPU overlap their
// memory latency.
const lanes = 4

// margin returns base plus the leaves of group g's trees, summed in float32
// in tree order as XGBoost's CPU predictor does.
func (f *forest) margin(g int, x []float64, base float32) float32 {
	lo, hi := f.groupStart[g], f.groupStart[g+1]
	if len(f.catSets) == 0 {
		return f.sum(lo, hi, x, base, !hasNaN(x))
	}
	acc := base
	for _, r := range f.roots[lo:hi] {
		acc += f.leafValue[f.walk(r, x)]
	}
	return acc
}

// sum walks trees roots[lo:hi] lanes at a time in lockstep, each for as
// many steps as the deepest of them needs (leaves step to themselves), and
// adds their leaves to base in tree order. dense says x has no missing
// value, which allows the cheaper stepDense.
func (f *forest) sum(lo, hi int, x []float64, base float32, dense bool) float32 {
	acc := base
	k := lo
	for ; k+lanes <= hi; k += lanes {
		i0, i1, i2, i3 := f.roots[k], f.roots[k+1], f.roots[k+2], f.roots[k+3]
		steps := max(f.depth[k], f.depth[k+1], f.depth[k+2], f.depth[k+3])
		for range steps {
			if dense {
				i0, i1, i2, i3 = f.stepDense(i0, x), f.stepDense(i1, x), f.stepDense(i2, x), f.stepDense(i3, x)
			} else {
				i0, i1, i2, i3 = f.step(i0, x), f.step(i1, x), f.step(i2, x), f.step(i3, x)
			}
		}
		acc += f.leafValue[i0]
		acc += f.leafValue[i1]
		acc += f.leafValue[i2]
		acc += f.leafValue[i3]
	}
	for ; k < hi; k++ {
		i := f.roots[k]
		for range f.depth[k] {
			if dense {
				i = f.stepDense(i, x)
			} else {
				i = f.step(i, x)
			}
		}
		acc += f.leafValue[i]
	}
	return acc
}

// stepDense moves one level down a numerical split for a row without
// missing values; a leaf steps to itself. The comparison is written so
// the compiler emits a flag-setting instruction, not a branch that would
// mispredict half the time.
func (f *forest) stepDense(i int32, x []float64) int32 {
	n := &f.nodes[i]
	right := int32(0)
	if !(x[n.feat&featureMask] < n.thr) {
		right = 1
	}
	return n.left + right
}

// step is stepDense for rows that may hold NaN, still without branches:
// v >= thr and !(v < thr) agree on numbers and differ only on NaN (a
// missing value), where the first sends the row left and the second right;
// the node's default-left bit picks between them.
func (f *forest) step(i int32, x []float64) int32 {
	n := &f.nodes[i]
	v := x[n.feat&featureMask]
	ge, nlt := int32(0), int32(0)
	if v >= n.thr {
		ge = 1
	}
	if !(v < n.thr) {
		nlt = 1
	}
	defaultRight := int32(^n.feat >> 31)
	return n.left + (ge | nlt&defaultRight)
}

// walk follows one tree from node i to its leaf for any row: missing values
// follow default_left and categorical splits test membership.
func (f *forest) walk(i int32, x []float64) int32 {
	for {
		n := &f.nodes[i]
		if n.feat&leafBit != 0 {
			return i
		}
		v := x[n.feat&featureMask]
		var goLeft bool
		switch {
		case v != v: // NaN: missing
			goLeft = n.feat&defaultLeftBit != 0
		case n.feat&categoricalBit != 0:
			goLeft = !f.inCategories(int(n.thr), v)
		default:
			goLeft = v < n.thr
		}
		i = n.left
		if !goLeft {
			i++
		}
	}
}

// inCategories reports whether XGBoost sends v right at a categorical
// split: v truncated to an integer is a valid category in the split's set.
func (f *forest) inCategories(set int, v float64) bool {
	c := float32(v)
	if c < 0 || c >= maxCategory {
		return false
	}
	_, found := slices.BinarySearch(f.catSets[set], int32(c))
	return found
}

// hasNaN reports whether a row has a missing value.
func hasNaN(x []float64) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}
