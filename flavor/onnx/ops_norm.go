package onnx

import (
	"math"
)

// buildLayerNorm implements LayerNormalization (opset 17): normalise over
// the dims from axis on, then scale and shift. Statistics are computed in
// float64 (stash_type float32 asks for at least float32 precision).
func buildLayerNorm(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 3, 1, 3); err != nil {
		return nil, err
	}
	axis, err := b.attrInt("axis", -1)
	if err != nil {
		return nil, err
	}
	eps, err := b.attrFloat("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	return pure(func(in []*tensor) ([]*tensor, error) {
		return layerNorm(in[0], in[1], in[2], axis, float64(eps))
	}), nil
}

func layerNorm(x, scale, bias *tensor, axis int64, eps float64) ([]*tensor, error) {
	if err := wantFloat(x); err != nil {
		return nil, err
	}
	ax, err := normAxis(axis, x.rank())
	if err != nil {
		return nil, err
	}
	normShape := x.shape[ax:]
	g, err := expandF32(scale, normShape)
	if err != nil {
		return nil, err
	}
	var beta []float32
	if bias != nil {
		if beta, err = expandF32(bias, normShape); err != nil {
			return nil, err
		}
	}
	statShape := append(append([]int(nil), x.shape[:ax]...), make([]int, x.rank()-ax)...)
	for i := ax; i < len(statShape); i++ {
		statShape[i] = 1
	}
	y := newF32Like(x)
	mean, _ := newTensor(typeFloat, statShape)
	inv, _ := newTensor(typeFloat, statShape)
	n := len(g)
	for r := range mean.f32 {
		row, dst := x.f32[r*n:(r+1)*n], y.f32[r*n:(r+1)*n]
		mu, is := meanInvStd(row, eps)
		for i, v := range row {
			o := (float64(v) - mu) * is * float64(g[i])
			if beta != nil {
				o += float64(beta[i])
			}
			dst[i] = float32(o)
		}
		mean.f32[r], inv.f32[r] = float32(mu), float32(is)
	}
	return []*tensor{y, mean, inv}, nil
}

// meanInvStd returns the mean and 1/sqrt(variance+eps) of row, with the
// biased (population) variance LayerNorm uses.
func meanInvStd(row []float32, eps float64) (mean, inv float64) {
	if len(row) == 0 {
		return 0, 0
	}
	var s float64
	for _, v := range row {
		s += float64(v)
	}
	mean = s / float64(len(row))
	var ss float64
	for _, v := range row {
		d := float64(v) - mean
		ss += d * d
	}
	return mean, 1 / math.Sqrt(ss/float64(len(row))+eps)
}

// expandF32 broadcasts a float tensor to shape and returns its data.
func expandF32(t *tensor, shape []int) ([]float32, error) {
	if err := wantFloat(t); err != nil {
		return nil, err
	}
	if sameShape(t.shape, shape) {
		return t.f32, nil
	}
	e, err := expandTo(t, shape)
	if err != nil {
		return nil, err
	}
	if !sameShape(e.shape, shape) {
		return nil, corruptf("parameter of shape %v does not broadcast to %v", t.shape, shape)
	}
	return e.f32, nil
}

// buildBatchNorm implements BatchNormalization in inference mode:
// y = (x - mean) / sqrt(var + eps) * scale + bias, per channel (axis 1).
func buildBatchNorm(b *buildCtx) (kernel, error) {
	if err := b.arity(5, 5, 1, 1); err != nil {
		return nil, err
	}
	if tm, err := b.attrInt("training_mode", 0); err != nil || tm != 0 {
		return nil, unsupportedf("BatchNormalization in training mode")
	}
	eps, err := b.attrFloat("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x := in[0]
		if err := wantFloat(x); err != nil {
			return nil, err
		}
		if x.rank() < 2 {
			return nil, corruptf("BatchNormalization input has rank %d", x.rank())
		}
		c := x.shape[1]
		for _, p := range in[1:] {
			if p.dtype != typeFloat || p.len() != c {
				return nil, corruptf("BatchNormalization parameter has shape %v, want [%d]", p.shape, c)
			}
		}
		out := newF32Like(x)
		outer, _, inner := split3(x.shape, 1)
		for o := 0; o < outer; o++ {
			for ch := 0; ch < c; ch++ {
				k := float64(in[1].f32[ch]) / math.Sqrt(float64(in[4].f32[ch])+float64(eps))
				mu, beta := float64(in[3].f32[ch]), float64(in[2].f32[ch])
				base := (o*c + ch) * inner
				for i := base; i < base+inner; i++ {
					out.f32[i] = float32((float64(x.f32[i])-mu)*k + beta)
				}
			}
		}
		return out, nil
	}), nil
}
