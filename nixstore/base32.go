package nixstore

// nixBase32Alphabet omits e, o, u and t, as Nix does, so hashes never spell words.
const nixBase32Alphabet = "0123456789abcdfghijklmnpqrsvwxyz"

// Base32 encodes b the way Nix prints hashes in store paths: least significant
// bits last, no padding.
func Base32(b []byte) string {
	n := (len(b)*8 + 4) / 5
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		bit := i * 5
		byteIdx, shift := bit/8, uint(bit%8)
		c := b[byteIdx] >> shift
		if byteIdx+1 < len(b) {
			c |= b[byteIdx+1] << (8 - shift)
		}
		out[n-1-i] = nixBase32Alphabet[c&0x1f]
	}
	return string(out)
}
