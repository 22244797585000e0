package nixstore

import (
	"fmt"
	"os"
	"strings"
)

// DerivationOutputs reads the outputs of a .drv file (name -> store path).
// Derivations are ATerm text: Derive([("out","/nix/store/...","",""),...],...).
func DerivationOutputs(drvPath string) (map[string]string, error) {
	b, err := os.ReadFile(drvPath)
	if err != nil {
		return nil, err
	}
	s := string(b)
	rest, ok := strings.CutPrefix(s, "Derive([")
	if !ok {
		return nil, fmt.Errorf("%s is not a derivation", drvPath)
	}
	out := map[string]string{}
	for strings.HasPrefix(rest, "(") {
		// ("name","path","hashAlgo","hash")
		fields := make([]string, 0, 4)
		rest = rest[1:]
		for len(fields) < 4 {
			str, r, err := atermString(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", drvPath, err)
			}
			fields = append(fields, str)
			rest = strings.TrimPrefix(r, ",")
		}
		out[fields[0]] = fields[1]
		rest = strings.TrimPrefix(rest, ")")
		rest = strings.TrimPrefix(rest, ",")
	}
	return out, nil
}

func atermString(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", fmt.Errorf("malformed derivation")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			i++
			if i < len(s) {
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(s[i])
				}
			}
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("malformed derivation")
}
