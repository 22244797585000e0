package helmwrap

// printedCRDFile is a file of crds/ as `helm template --include-crds`
// prints it: its bytes, then a newline. A block scalar that ends the file
// reads that newline too: "|" gets a final newline the file may lack, "|+"
// keeps one more than the file has.
func printedCRDFile(data []byte) []byte {
	return append(data[:len(data):len(data)], '\n')
}
