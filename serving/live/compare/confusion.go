package compare

import (
	"slices"
)

// agreementAcc counts class agreement and the confusion between arms.
// Classes are interned to small integers so each pair costs two string
// lookups and one integer-keyed count.
type agreementAcc struct {
	n, agree int
	index    map[string]int
	names    []string
	cells    map[[2]int]int
}

func newAgreementAcc() *agreementAcc {
	return &agreementAcc{index: map[string]int{}, cells: map[[2]int]int{}}
}

// add counts one pair of predicted classes.
func (a *agreementAcc) add(prod, alpha string) {
	a.n++
	if prod == alpha {
		a.agree++
	}
	a.cells[[2]int{a.intern(prod), a.intern(alpha)}]++
}

func (a *agreementAcc) intern(class string) int {
	i, ok := a.index[class]
	if !ok {
		i = len(a.names)
		a.index[class] = i
		a.names = append(a.names, class)
	}
	return i
}

// agreement is the agreement rate with its 95% Wilson interval, nil
// without pairs.
func (a *agreementAcc) agreement() *Agreement {
	if a.n == 0 {
		return nil
	}
	lo, hi := Wilson(a.agree, a.n, Z95)
	return &Agreement{N: a.n, Agree: a.agree, Rate: float64(a.agree) / float64(a.n), Lo: lo, Hi: hi}
}

// confusion lays the counts out over the sorted classes, nil without
// pairs; past MaxConfusionClasses only the class count is kept.
func (a *agreementAcc) confusion() *Confusion {
	if a.n == 0 {
		return nil
	}
	k := len(a.names)
	c := &Confusion{ClassCount: k}
	if k > MaxConfusionClasses {
		c.Omitted = true
		return c
	}
	c.Classes = slices.Sorted(slices.Values(a.names))
	pos := make([]int, k) // interned index → sorted position
	for i, name := range c.Classes {
		pos[a.index[name]] = i
	}
	c.Counts = make([][]int, k)
	for i := range c.Counts {
		c.Counts[i] = make([]int, k)
	}
	for cell, n := range a.cells {
		c.Counts[pos[cell[0]]][pos[cell[1]]] = n
	}
	return c
}
