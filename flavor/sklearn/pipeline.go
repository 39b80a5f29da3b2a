package sklearn

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// chain is a sequence of transformers, itself a transformer (a Pipeline
// without a final estimator, as used inside a ColumnTransformer).
type chain struct {
	steps []transformer
}

func (c *chain) widths() (int, int) {
	if len(c.steps) == 0 {
		return -1, -1
	}
	in, _ := c.steps[0].widths()
	_, out := c.steps[len(c.steps)-1].widths()
	return in, out
}

func (c *chain) kinds() []colKind {
	if len(c.steps) == 0 {
		return nil
	}
	return c.steps[0].kinds()
}

func (c *chain) transform(f *frame) (*frame, error) {
	var err error
	for _, s := range c.steps {
		if f, err = s.transform(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// pipelineModel is a Pipeline ending in a classifier or regressor.
type pipelineModel struct {
	pre   *chain
	final any
}

// buildPipeline rebuilds a Pipeline: a *chain when every step is a
// transformer, a *pipelineModel when the last step predicts.
func buildPipeline(b *builder, o *pyObject) (any, error) {
	v, err := o.need("steps")
	if err != nil {
		return nil, err
	}
	steps, ok := asList(v)
	if !ok || len(steps) == 0 {
		return nil, o.errorf("steps", "is %s, want a non-empty list", typeName(v))
	}
	c := &chain{}
	var final any
	for i, s := range steps {
		pair, ok := asList(s)
		if !ok || len(pair) != 2 {
			return nil, o.errorf("steps", "step %d is not a (name, estimator) pair", i)
		}
		if pair[1] == nil || pair[1] == "passthrough" {
			continue
		}
		est, err := b.build(pair[1])
		if err != nil {
			return nil, err
		}
		if final, err = addStep(c, est, i == len(steps)-1); err != nil {
			return nil, fmt.Errorf("pipeline step %q: %w", fmt.Sprint(pair[0]), err)
		}
	}
	if final == nil {
		return c, nil
	}
	if err := checkChain(c, predictorWidth(final)); err != nil {
		return nil, err
	}
	return &pipelineModel{pre: c, final: final}, nil
}

// addStep appends a rebuilt step to c, flattening nested pipelines, and
// returns the final estimator when the step predicts.
func addStep(c *chain, est any, last bool) (any, error) {
	switch s := est.(type) {
	case *chain:
		c.steps = append(c.steps, s.steps...)
	case transformer:
		c.steps = append(c.steps, s)
	case *pipelineModel:
		if !last {
			return nil, fmt.Errorf("%w: a predicting pipeline in the middle of another", flavor.ErrCorrupt)
		}
		c.steps = append(c.steps, s.pre.steps...)
		return s.final, nil
	case classifier, regressor:
		if !last {
			return nil, fmt.Errorf("%w: an estimator that predicts is not the last step", flavor.ErrCorrupt)
		}
		return s, nil
	}
	return nil, checkChain(c, -1)
}

// checkChain verifies that each step's output width matches the next
// step's input width and the final estimator's (final < 0: unknown).
func checkChain(c *chain, final int) error {
	for i := 1; i < len(c.steps); i++ {
		_, out := c.steps[i-1].widths()
		in, _ := c.steps[i].widths()
		if in >= 0 && out >= 0 && in != out {
			return fmt.Errorf("%w: pipeline step %d outputs %d features but step %d expects %d", flavor.ErrCorrupt, i-1, out, i, in)
		}
	}
	if len(c.steps) > 0 && final >= 0 {
		if _, out := c.steps[len(c.steps)-1].widths(); out >= 0 && out != final {
			return fmt.Errorf("%w: pipeline transformers output %d features but the estimator expects %d", flavor.ErrCorrupt, out, final)
		}
	}
	return nil
}

func predictorWidth(est any) int {
	switch e := est.(type) {
	case classifier:
		return e.inWidth()
	case regressor:
		return e.inWidth()
	}
	return -1
}

// functionTransformer is FunctionTransformer(func=None): the identity,
// which is also what ColumnTransformer's "passthrough" becomes.
type functionTransformer struct{ n int }

func buildFunctionTransformer(_ *builder, o *pyObject) (any, error) {
	if f, ok := o.field("func"); ok && f != nil {
		return nil, fmt.Errorf("%w: FunctionTransformer with a custom function", flavor.ErrUnsupported)
	}
	n, err := nFeatures(o)
	if err != nil {
		return nil, err
	}
	return &functionTransformer{n: n}, nil
}

func (t *functionTransformer) widths() (int, int) { return t.n, t.n }
func (t *functionTransformer) kinds() []colKind   { return nil }
func (t *functionTransformer) transform(f *frame) (*frame, error) {
	if err := f.checkWidth("FunctionTransformer", t.n); err != nil {
		return nil, err
	}
	return f, nil
}
