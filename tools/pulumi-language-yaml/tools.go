//go:build tools

// Package tools pins the Pulumi YAML language host that tap's tests run.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
