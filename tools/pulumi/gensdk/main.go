// Command gensdk generates tap's SDKs from schema.json with Pulumi's own code generators (the
// packages `pulumi package gen-sdk` uses). It exists because this CLI version delegates gen-sdk to
// the language hosts, whose Go modules the module proxy here does not serve.
//
// Usage: gensdk <schema.json> <out dir> <language>...   (languages: nodejs, python, go)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gensdk:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: gensdk <schema.json> <out dir> <language>...")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("reading %s: %w", args[0], err)
	}
	for _, language := range args[2:] {
		// Each generator annotates the package with its language info: bind afresh each time.
		pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
		if err != nil {
			return err
		}
		if diags.HasErrors() {
			return diags
		}
		var files map[string][]byte
		switch language {
		case "nodejs":
			files, err = nodejs.GeneratePackage("pulumi", pkg, nil, nil, false, noPackages{})
		case "python":
			files, err = python.GeneratePackage("pulumi", pkg, nil, noPackages{})
		case "go":
			files, err = gogen.GeneratePackage("pulumi", pkg, nil)
		default:
			return fmt.Errorf("no generator for %q here (dotnet's lives in the pulumi-dotnet language host)", language)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		dir := filepath.Join(args[1], language)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		for name, content := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// noPackages is the loader for a schema that references no other package (tap's does not): any
// request for one is an error rather than a plugin download.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema.json references package %q; tap's schema must be self-contained", pkg)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, d.Version)
}

func (l noPackages) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(pkg, v)
	return nil, err
}

func (l noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, d.Version)
}
