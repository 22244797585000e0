package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// KubeVersion asks the API server its version (GET /version) and returns
// its minor version as kubenix's --kube-version takes it: "1.36". The tests
// compare kubenix with whichever server KUBENIX_E2E_BIN holds, at that
// server's version (scripts/e2e-bin.sh builds 1.37, or 1.36 with the module
// e2e/k8s-1.36).
func (cp *ControlPlane) KubeVersion(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", cp.Server+"/version", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+cp.Token)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /version: %s", resp.Status)
	}
	var v struct{ Major, Minor, GitVersion string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", fmt.Errorf("GET /version: %w", err)
	}
	// A vendor's build may say "36+".
	minor := strings.TrimRight(v.Minor, "+")
	if v.Major == "" || minor == "" {
		return "", fmt.Errorf("GET /version: no major and minor version in %+v", v)
	}
	return v.Major + "." + minor, nil
}
