package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// writeBigManifest writes a multi-document YAML manifest of about size
// bytes, shaped like a large real one: units of a Deployment, a Service and
// a ConfigMap in namespaces of 50 units each, every tenth ConfigMap holding
// a 16 KB configuration file. Units for which changed is true differ: a new
// image tag, one more replica, and a changed line in the ConfigMap's file.
// It returns the number of objects written.
func writeBigManifest(path string, size int64, changed func(unit int) bool) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := &countingWriter{w: bufio.NewWriterSize(f, 1<<20)}
	objects := 0
	for unit := 0; w.n < size; unit++ {
		writeUnit(w, unit, changed != nil && changed(unit))
		objects += 3
	}
	if err := w.w.(*bufio.Writer).Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return objects, f.Close()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeUnit(w io.Writer, unit int, changed bool) {
	name := fmt.Sprintf("svc-%06d", unit)
	ns := fmt.Sprintf("team-%03d", unit/50)
	tag, replicas, level := "1.4.2", 2, "info"
	if changed {
		tag, replicas, level = "1.5.0", 3, "debug"
	}
	fmt.Fprintf(w, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/part-of: %[2]s
  annotations:
    deployment.kubernetes.io/revision: "7"
spec:
  replicas: %[4]d
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: %[1]s
        app.kubernetes.io/part-of: %[2]s
    spec:
      serviceAccountName: default
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
      - name: app
        image: registry.example.com/%[2]s/%[1]s:%[3]s
        args: ["--port=8080", "--config=/etc/app/app.conf", "--log-level=%[5]s"]
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        - {name: metrics, containerPort: 9090, protocol: TCP}
        env:
        - {name: UNIT, value: "%[6]d"}
        - {name: NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        - {name: GOMAXPROCS, value: "2"}
        envFrom:
        - configMapRef: {name: %[1]s}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: http}
          periodSeconds: 10
        livenessProbe:
          httpGet: {path: /livez, port: http}
          initialDelaySeconds: 15
        volumeMounts:
        - {name: config, mountPath: /etc/app, readOnly: true}
      volumes:
      - name: config
        configMap: {name: %[1]s}
---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[1]s
spec:
  selector:
    app.kubernetes.io/name: %[1]s
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090, targetPort: metrics}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[1]s
data:
  LOG_LEVEL: %[5]s
  UNIT: "%[6]d"
  FEATURE_FLAGS: "search,checkout,recommendations"
`, name, ns, tag, replicas, level, unit)
	if unit%10 == 0 {
		fmt.Fprintf(w, "  app.conf: |\n")
		for i := 0; i < 400; i++ {
			v := "on"
			if changed && i == 200 {
				v = "off"
			}
			fmt.Fprintf(w, "    setting.%s.%04d = %s # %s\n", name, i, v, strings.Repeat("x", 8))
		}
	}
}

// memoryBench checks a generated 50 MB manifest, and diffs it with a copy
// in which a few hundred objects changed, in every output format, and
// prints each run's time and peak RSS next to its target (issue #12).
func memoryBench(bin, work string) error {
	const size = 50 << 20
	a, b := filepath.Join(work, "big-a.yaml"), filepath.Join(work, "big-b.yaml")
	objects, err := writeBigManifest(a, size, nil)
	if err != nil {
		return err
	}
	changedUnit := func(unit int) bool { return unit%50 == 7 }
	if _, err := writeBigManifest(b, size, changedUnit); err != nil {
		return err
	}
	fi, err := os.Stat(a)
	if err != nil {
		return err
	}
	changed := 0
	for u := 0; u < objects/3; u++ {
		if changedUnit(u) {
			changed += 2 // its Deployment and ConfigMap
		}
	}
	fmt.Printf("\nmemory: a %.0f MB manifest of %d objects, and a copy with %d of them changed (issue #12; the targets are for 2 cores)\n",
		float64(fi.Size())/(1<<20), objects, changed)
	rows := []struct {
		what  string
		args  []string
		exit  int
		wall  time.Duration
		rssMB int64
	}{
		{"check", []string{"check", "-q", a}, 0, 0, 200},
		{"diff", []string{"diff", a, b}, 1, 10 * time.Second, 300},
		{"diff --stat", []string{"diff", "--stat", a, b}, 1, 10 * time.Second, 300},
		{"diff -o json", []string{"diff", "-o", "json", a, b}, 1, 10 * time.Second, 300},
	}
	for _, r := range rows {
		s, err := measureExit(work, r.exit, bin, r.args...)
		if err != nil {
			return err
		}
		wallTarget := "no target"
		if r.wall > 0 {
			wallTarget = fmt.Sprintf("target <= %s: %.2fx", secs(r.wall), s.wall.Seconds()/r.wall.Seconds())
		}
		fmt.Printf("  %-13s %8s (%s; CPU %s)  peak RSS %6s (target <= %dMB: %.2fx)\n", r.what, secs(s.wall), wallTarget, secs(s.cpu),
			mb(s.rss), r.rssMB, float64(s.rss)/1024/float64(r.rssMB))
	}
	return nil
}

// measureExit runs a command that must exit with status want, and measures it.
func measureExit(dir string, want int, name string, args ...string) (sample, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return s, err
	}
	if got := cmd.ProcessState.ExitCode(); got != want {
		return s, fmt.Errorf("%s %s: exit %d, want %d\n%s", name, strings.Join(args, " "), got, want, stderr.String())
	}
	s.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = ru.Maxrss
	}
	return s, nil
}
