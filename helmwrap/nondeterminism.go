package helmwrap

import (
	"bytes"
	"encoding/json"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template/parse"

	"helm.sh/helm/v3/pkg/chart"
)

// A chart that renders differently each time (a generated password, a
// certificate, a timestamp) makes a build that is not reproducible, so
// Render renders the templates that can differ a second time and reports
// those whose output did. Which ones can differ is read from the templates'
// syntax trees: those that call a function of randomFuncs, directly or
// through the named templates they include. Only those are rendered again
// (with the partials and the templates that define what they include), so
// the check costs one more render of them, and none for a chart without
// such a function; a render kubenix has cached is not rendered at all.

// randomFuncs are the template functions (Sprig's, as Helm has them) whose
// result changes from one call to the next. Not in the list, because they
// are functions of their arguments: derivePassword, date and the other
// date functions given a time (now is in the list), sha256sum, b64enc, and
// getHostByName and lookup, which `helm template` answers with nothing.
var randomFuncs = map[string]bool{
	"randAlphaNum": true, "randAlpha": true, "randNumeric": true, "randAscii": true, "randInt": true, "randBytes": true,
	"uuidv4": true, "shuffle": true, "now": true, "ago": true,
	"genPrivateKey": true, "genCA": true, "genCAWithKey": true, "genSelfSignedCert": true, "genSelfSignedCertWithKey": true,
	"genSignedCert": true, "genSignedCertWithKey": true,
	"htpasswd": true, "bcrypt": true, "encryptAES": true,
}

// mutatingFuncs change a dict in place. A template that may hold a random
// value and calls one may pass that value to any template rendered after
// it (through .Values, which all templates of a chart share), so then
// every template is rendered again.
var mutatingFuncs = map[string]bool{
	"set": true, "unset": true, "merge": true, "mustMerge": true, "mergeOverwrite": true, "mustMergeOverwrite": true,
}

// tree is what the check needs of one template file or named template.
type tree struct {
	random  bool     // calls a function of randomFuncs
	mutates bool     // calls a function of mutatingFuncs
	tpl     bool     // calls tpl: renders text from values or files
	dynamic bool     // includes a template whose name is computed
	calls   []string // the templates it includes by name
}

// recheckPlan is what the second render renders and compares.
type recheckPlan struct {
	compare []string // output templates whose output can differ (engine names)
	all     bool     // render every template again, not only keep
	keep    map[string]bool
}

// planRecheck reads a chart's templates (subcharts included) and plans the
// second render. values are the values of the call: text that tpl
// renders comes from them, or from the charts' values and files.
func planRecheck(c *chart.Chart, values map[string]any) recheckPlan {
	if !mayBeRandom(c) {
		return recheckPlan{} // most charts: no template is parsed
	}
	trees := map[string]*tree{} // by template name: files by engine name, defines by their name
	var outputs []string        // files rendered to output, sorted
	defining := map[string]bool{}
	var files [][]byte
	unreadable := false
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		for _, t := range c.Templates {
			name := path.Join(c.ChartFullPath(), t.Name)
			set := map[string]*parse.Tree{}
			p := parse.New(name)
			p.Mode = parse.SkipFuncCheck
			if _, err := p.Parse(string(t.Data), "", "", set); err != nil {
				unreadable = true
				continue
			}
			for n, pt := range set {
				tr := trees[n]
				if tr == nil {
					tr = &tree{}
					trees[n] = tr
				}
				tr.read(pt.Root)
				if n != name {
					defining[name] = true
				}
			}
			if _, ok := trees[name]; !ok {
				trees[name] = &tree{}
			}
			if !strings.HasPrefix(path.Base(name), "_") && path.Base(name) != "NOTES.txt" {
				outputs = append(outputs, name)
			}
		}
		for _, f := range c.Files {
			// crds/ is never text for tpl, and often megabytes.
			if !strings.HasPrefix(f.Name, "crds/") {
				files = append(files, f.Data)
			}
		}
		if b, err := json.Marshal(c.Values); err == nil {
			files = append(files, b)
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(c)
	slices.Sort(outputs)
	if unreadable {
		return recheckPlan{compare: outputs, all: true}
	}

	// Text that tpl renders can call a random function, or include a
	// template that does: it is looked for in values and files (as
	// substrings: what is not a call only costs a second render).
	vj, _ := json.Marshal(values)
	sources := append(files, vj)
	mentions := func(name string) bool {
		for _, s := range sources {
			if bytes.Contains(s, []byte(name)) {
				return true
			}
		}
		return false
	}
	tplRandom := false
	if slices.ContainsFunc(slices.Collect(maps.Values(trees)), func(t *tree) bool { return t.tpl }) {
		tplRandom = slices.ContainsFunc(slices.Collect(maps.Keys(randomFuncs)), mentions)
	} else {
		mentions = func(string) bool { return false } // nothing renders text
	}

	// random: the trees whose output can differ, to a fixpoint.
	random := map[string]bool{}
	for changed := true; changed; {
		changed = false
		anyRandom := len(random) > 0
		for n, t := range trees {
			if random[n] {
				continue
			}
			r := t.random || (t.dynamic && anyRandom) || (t.tpl && tplRandom)
			for _, callee := range t.calls {
				r = r || random[callee]
			}
			if r {
				random[n], changed = true, true
				if !tplRandom && mentions(n) {
					tplRandom = true
				}
			}
		}
	}
	plan := recheckPlan{keep: map[string]bool{}}
	for _, o := range outputs {
		if random[o] {
			plan.compare = append(plan.compare, o)
		}
	}
	if len(plan.compare) == 0 {
		return recheckPlan{}
	}
	// What the second render needs: the templates it compares and every
	// file whose main template they include; a computed include could
	// need any, and a random value stored with set could reach any.
	reach := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		if reach[n] || trees[n] == nil {
			return
		}
		reach[n] = true
		for _, callee := range trees[n].calls {
			visit(callee)
		}
	}
	for _, o := range plan.compare {
		visit(o)
	}
	// A computed include, or tpl, can need a template left out: the
	// second render then fails, and Render renders everything again.
	for n := range reach {
		if trees[n].mutates {
			return recheckPlan{compare: outputs, all: true}
		}
	}
	for n := range reach {
		plan.keep[n] = true
	}
	for n := range defining {
		plan.keep[n] = true
	}
	return plan
}

// mayBeRandom reports whether any template of a chart (subcharts included)
// names a random function, or tpl, at all.
func mayBeRandom(c *chart.Chart) bool {
	for _, t := range c.Templates {
		if bytes.Contains(t.Data, []byte("tpl")) {
			return true
		}
		for n := range randomFuncs {
			if bytes.Contains(t.Data, []byte(n)) {
				return true
			}
		}
	}
	return slices.ContainsFunc(c.Dependencies(), mayBeRandom)
}

// read records what a template's syntax tree calls.
func (t *tree) read(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			t.read(c)
		}
	case *parse.ActionNode:
		t.read(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			t.read(c)
		}
	case *parse.CommandNode:
		if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "include" && len(n.Args) > 1 {
			if s, ok := n.Args[1].(*parse.StringNode); ok {
				t.calls = append(t.calls, s.Text)
			} else {
				t.dynamic = true
			}
		}
		for _, a := range n.Args {
			t.read(a)
		}
	case *parse.IdentifierNode:
		switch {
		case randomFuncs[n.Ident]:
			t.random = true
		case mutatingFuncs[n.Ident]:
			t.mutates = true
		case n.Ident == "tpl":
			t.tpl = true
		}
	case *parse.ChainNode:
		t.read(n.Node)
	case *parse.IfNode:
		t.readBranch(&n.BranchNode)
	case *parse.RangeNode:
		t.readBranch(&n.BranchNode)
	case *parse.WithNode:
		t.readBranch(&n.BranchNode)
	case *parse.TemplateNode:
		t.calls = append(t.calls, n.Name)
		t.read(n.Pipe)
	}
}

func (t *tree) readBranch(b *parse.BranchNode) {
	t.read(b.Pipe)
	t.read(b.List)
	t.read(b.ElseList)
}

// subset is a copy of a chart (subcharts included) with only the
// templates keep names; the charts' metadata, values and files are shared.
func subset(c *chart.Chart, keep map[string]bool) *chart.Chart {
	cp := *c
	cp.Templates = nil
	for _, t := range c.Templates {
		if name := path.Join(c.ChartFullPath(), t.Name); keep[name] || strings.HasPrefix(path.Base(name), "_") {
			cp.Templates = append(cp.Templates, t)
		}
	}
	var deps []*chart.Chart
	for _, d := range c.Dependencies() {
		deps = append(deps, subset(d, keep))
	}
	cp.SetDependencies(deps...)
	return &cp
}
