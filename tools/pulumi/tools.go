//go:build tools

// Package tools pins the Pulumi CLI that tap's tests run (nothing of Pulumi's
// source is copied here: the Makefile builds these main packages from the pinned modules).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
