// Package e2e proves kubenix's results on a real Kubernetes API server:
// etcd, kube-apiserver and kubectl built from the Go module proxy (the
// module in e2e/k8s, built by scripts/e2e-bin.sh), started on loopback.
package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ControlPlane is a running etcd and kube-apiserver, and a kubeconfig that
// reaches them. No controllers run: objects are stored and validated, but
// nothing reconciles them (Deployments never get Pods).
type ControlPlane struct {
	Bin        string // the directory with kube-apiserver, etcd, kubectl
	Dir        string // state: etcd data, certificates, logs
	Kubeconfig string
	Server     string // the API server's URL
	Token      string // a bearer token of system:masters
	procs      []*exec.Cmd
}

// Start starts etcd and kube-apiserver on free loopback ports and waits
// until the API server is ready. Stop must be called whatever happens; the
// processes also die with the process that started them.
func Start(ctx context.Context, bin, dir string) (*ControlPlane, error) {
	cp := &ControlPlane{Bin: bin, Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig")}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	if err := cp.start("etcd", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", ports[1])); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, 60*time.Second, func() error {
		resp, err := http.Get(etcdURL + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}); err != nil {
		cp.Stop()
		return nil, fmt.Errorf("etcd did not start: %v\n%s", err, cp.log("etcd"))
	}

	saKey := filepath.Join(dir, "sa.key")
	if err := writeKey(saKey); err != nil {
		cp.Stop()
		return nil, err
	}
	const token = "kubenix-e2e-token"
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		cp.Stop()
		return nil, err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	if err := cp.start("kube-apiserver",
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1",
		"--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(ports[2]),
		"--cert-dir", filepath.Join(dir, "certs"),
		"--token-auth-file", tokens,
		"--authorization-mode", "AlwaysAllow",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", saKey,
		"--service-account-signing-key-file", saKey,
		"--service-cluster-ip-range", "10.0.0.0/24",
		"--endpoint-reconciler-type", "none",
		"--enable-priority-and-fairness=false",
	); err != nil {
		cp.Stop()
		return nil, err
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := waitFor(ctx, 120*time.Second, func() error {
		req, _ := http.NewRequest("GET", server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz: %s", resp.Status)
		}
		return nil
	}); err != nil {
		cp.Stop()
		return nil, fmt.Errorf("kube-apiserver did not become ready: %v\n%s", err, cp.log("kube-apiserver"))
	}
	cp.Server, cp.Token = server, token
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: %q, insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: %q}
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
`, server, token)
	if err := os.WriteFile(cp.Kubeconfig, []byte(kubeconfig), 0o600); err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

func (cp *ControlPlane) start(name string, args ...string) error {
	logf, err := os.Create(filepath.Join(cp.Dir, name+".log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(cp.Bin, name), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so Stop reaches anything it starts; and it
	// dies with this process even if Stop never runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	cp.procs = append(cp.procs, cmd)
	return nil
}

// Stop ends the processes, newest first: SIGTERM, then SIGKILL after 10 s.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		cmd := cp.procs[i]
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	cp.procs = nil
}

// Kubectl returns a kubectl command for this control plane.
func (cp *ControlPlane) Kubectl(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, filepath.Join(cp.Bin, "kubectl"), append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...)
}

// log returns the end of a process's log, for errors.
func (cp *ControlPlane) log(name string) string {
	b, _ := os.ReadFile(filepath.Join(cp.Dir, name+".log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitFor(ctx context.Context, limit time.Duration, check func() error) error {
	deadline := time.Now().Add(limit)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func writeKey(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return os.WriteFile(path, b, 0o600)
}
