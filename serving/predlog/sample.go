package predlog

// Sample reports whether the prediction of requestID is logged at rate
// (0 = none, 1 = all). The decision hashes the request id, so it is the
// same for every arm of one request (production and alpha are kept or
// dropped together) and the same in every process. Rates outside [0, 1]
// are clamped; NaN logs nothing.
func Sample(rate float64, requestID string) bool {
	if !(rate > 0) {
		return false
	}
	if rate >= 1 {
		return true
	}
	// The top 53 bits of the hash are a uniform number in [0, 2^53).
	return float64(hashID(requestID)>>11) < rate*(1<<53)
}

// hashID is FNV-1a over the id followed by the SplitMix64 finalizer: FNV
// alone leaves ids that differ in their last characters (req-1, req-2)
// close together in the high bits Sample compares.
func hashID(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
