package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// enumValues are the values of a Go string type marked +enum, and where in a
// field's schema they go: the field itself, its list items, or its map values.
type enumValues struct {
	values []string
	where  string // "", "items" or "additionalProperties"
}

func (e enumValues) apply(s map[string]any) {
	target := s
	if e.where != "" {
		sub, ok := s[e.where].(map[string]any)
		if !ok {
			return
		}
		target = sub
	}
	if target["type"] != "string" {
		return
	}
	vals := make([]any, len(e.values))
	for i, v := range e.values {
		vals[i] = v
	}
	target["enum"] = vals
}

// goEnums reads k8s.io/api's Go source: for every struct field whose type is
// a string type marked +enum, the allowed values (the type's constants),
// keyed by OpenAPI definition name and JSON field name.
func goEnums(apiDir string) (map[string]map[string]enumValues, error) {
	out := map[string]map[string]enumValues{}
	err := filepath.WalkDir(apiDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(apiDir, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 2 || !strings.HasPrefix(parts[1], "v") {
			return nil
		}
		prefix := "io.k8s.api." + parts[0] + "." + parts[1] + "."
		return packageEnums(p, prefix, out)
	})
	return out, err
}

func packageEnums(dir, prefix string, out map[string]map[string]enumValues) error {
	fset := token.NewFileSet()
	//lint:ignore SA1019 the generator reads one package directory of k8s.io/api, whose files carry no build tags
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		n := fi.Name()
		return strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && !strings.HasPrefix(n, "zz_") && !strings.Contains(n, "generated")
	}, parser.ParseComments)
	if err != nil {
		return err
	}
	enumTypes := map[string]bool{}
	consts := map[string][]string{}
	var structs []*ast.TypeSpec
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok {
					continue
				}
				for _, spec := range gd.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						doc := s.Doc
						if doc == nil && len(gd.Specs) == 1 {
							doc = gd.Doc
						}
						if id, ok := s.Type.(*ast.Ident); ok && id.Name == "string" && doc != nil && strings.Contains(doc.Text(), "+enum") {
							enumTypes[s.Name.Name] = true
						}
						if _, ok := s.Type.(*ast.StructType); ok {
							structs = append(structs, s)
						}
					case *ast.ValueSpec:
						if gd.Tok != token.CONST {
							continue
						}
						typeName := ""
						if id, ok := s.Type.(*ast.Ident); ok {
							typeName = id.Name
						}
						for _, v := range s.Values {
							lit, ok := v.(*ast.BasicLit)
							name := typeName
							// PathTypeExact = PathType("Exact")
							if call, isCall := v.(*ast.CallExpr); isCall && len(call.Args) == 1 {
								if fn, isIdent := call.Fun.(*ast.Ident); isIdent {
									name = fn.Name
									lit, ok = call.Args[0].(*ast.BasicLit)
								}
							}
							if ok && name != "" && lit.Kind == token.STRING {
								if val, err := strconv.Unquote(lit.Value); err == nil {
									consts[name] = append(consts[name], val)
								}
							}
						}
					}
				}
			}
		}
	}
	for _, s := range structs {
		st := s.Type.(*ast.StructType)
		for _, f := range st.Fields.List {
			if f.Tag == nil || len(f.Names) == 0 {
				continue
			}
			tag, _ := strconv.Unquote(f.Tag.Value)
			jsonName, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			if jsonName == "" || jsonName == "-" {
				continue
			}
			typ, where := f.Type, ""
			switch t := typ.(type) {
			case *ast.StarExpr:
				typ = t.X
			case *ast.ArrayType:
				typ, where = t.Elt, "items"
			case *ast.MapType:
				typ, where = t.Value, "additionalProperties"
			}
			id, ok := typ.(*ast.Ident)
			if !ok || !enumTypes[id.Name] || len(consts[id.Name]) == 0 {
				continue
			}
			vals := slices.Clone(consts[id.Name])
			slices.Sort(vals)
			vals = slices.Compact(vals)
			def := prefix + s.Name.Name
			if out[def] == nil {
				out[def] = map[string]enumValues{}
			}
			out[def][jsonName] = enumValues{values: vals, where: where}
		}
	}
	return nil
}
