//go:build tools

// Package tools pins the Node.js, Python, Go and .NET language hosts that tap's tests run the
// examples with (the Makefile builds these main packages from the pinned modules).
package tools

import (
	_ "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3"
	_ "github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3"
	_ "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
	_ "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
)
