package localfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// The trailer follows the content in every object file:
//
//	[0:8]   trailerMagic
//	[8:16]  content size, big-endian uint64
//	[16:24] write time, Unix nanoseconds, big-endian int64
//	[24:56] SHA-256 of the content
//	[56:60] CRC-32 (IEEE) of bytes [0:56], so a damaged trailer is noticed
//	[60:64] zero
//
// A trailer rather than a header lets Put stream the content straight to
// disk and append the record once the digest is known, with no seek back;
// the content also starts at offset 0, so `head -c <size>` recovers it.
const trailerSize = 64

var trailerMagic = [8]byte{'P', 'D', 'K', 'O', 'B', 'J', 0, 1}

// encodeTrailer returns the trailer for content of size bytes with the
// given SHA-256 sum, written at modified.
func encodeTrailer(size int64, sum []byte, modified time.Time) []byte {
	b := make([]byte, trailerSize)
	copy(b[0:8], trailerMagic[:])
	binary.BigEndian.PutUint64(b[8:16], uint64(size))
	binary.BigEndian.PutUint64(b[16:24], uint64(modified.UnixNano()))
	copy(b[24:56], sum)
	binary.BigEndian.PutUint32(b[56:60], crc32.ChecksumIEEE(b[0:56]))
	return b
}

// decodeTrailer parses the trailer b of an object file of fileSize bytes
// that holds key. A damaged trailer or a file whose length disagrees with it
// gives an error wrapping artifact.ErrDigestMismatch.
func decodeTrailer(b []byte, fileSize int64, key string) (artifact.Info, error) {
	switch {
	case len(b) != trailerSize || !bytes.Equal(b[0:8], trailerMagic[:]):
		return artifact.Info{}, fmt.Errorf("%w: object file has no valid trailer", artifact.ErrDigestMismatch)
	case binary.BigEndian.Uint32(b[56:60]) != crc32.ChecksumIEEE(b[0:56]):
		return artifact.Info{}, fmt.Errorf("%w: object trailer is damaged", artifact.ErrDigestMismatch)
	}
	size := binary.BigEndian.Uint64(b[8:16])
	if size != uint64(fileSize-trailerSize) {
		return artifact.Info{}, fmt.Errorf("%w: object file holds %d content bytes, trailer records %d",
			artifact.ErrDigestMismatch, fileSize-trailerSize, size)
	}
	return artifact.Info{
		Key:      key,
		Size:     int64(size),
		Digest:   artifact.FormatDigest(b[24:56]),
		Modified: time.Unix(0, int64(binary.BigEndian.Uint64(b[16:24]))).UTC(),
	}, nil
}
