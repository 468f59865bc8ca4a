package mcpserver

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/memsync/memsync/internal/query"
)

// rowSchema describes a row (json.RawMessage): the protocol's row JSON, an
// object. Inferred from the Go type alone it would be an array of bytes,
// and the SDK would reject every answer that carries a row.
var rowSchema = &jsonschema.Schema{
	Type:        "object",
	Description: "the protocol's row JSON: the Turso columns, as on the wire",
}

// outputSchema is the schema of a response type T, rows as objects.
// The types are static, so an error is a programming error: panic, as
// mcp.AddTool does.
func outputSchema[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{
		TypeSchemas: map[reflect.Type]*jsonschema.Schema{
			reflect.TypeFor[json.RawMessage](): rowSchema,
		},
	})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: output schema: %v", err))
	}
	return s
}

// inputSchema is the schema inferred from the input struct T (its
// jsonschema tags are the descriptions; fields without omitempty are
// required), then tightened by the constraints (ranges, enums, defaults)
// that tags cannot express.
func inputSchema[T any](constraints ...constraint) *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: input schema: %v", err))
	}
	for _, c := range constraints {
		c(s.Properties)
	}
	return s
}

// A constraint tightens the property schemas of an input.
type constraint func(props map[string]*jsonschema.Schema)

func prop(props map[string]*jsonschema.Schema, name string) *jsonschema.Schema {
	p, ok := props[name]
	if !ok {
		panic(fmt.Sprintf("mcpserver: input has no property %q", name))
	}
	return p
}

// limitOf bounds a limit to 1..query.MaxLimit, default query.DefaultLimit.
func limitOf(name string) constraint {
	return func(props map[string]*jsonschema.Schema) {
		p := prop(props, name)
		p.Minimum = jsonschema.Ptr(1.0)
		p.Maximum = jsonschema.Ptr(float64(query.MaxLimit))
		p.Default = json.RawMessage(strconv.Itoa(query.DefaultLimit))
	}
}

// oneOf restricts a string to the given values.
func oneOf(name string, values ...string) constraint {
	return func(props map[string]*jsonschema.Schema) {
		p := prop(props, name)
		p.Enum = make([]any, len(values))
		for i, v := range values {
			p.Enum[i] = v
		}
	}
}

// nonEmpty requires a string to have a character, or an array an item
// (and, for an array, refuses null).
func nonEmpty(name string) constraint {
	return func(props map[string]*jsonschema.Schema) {
		p := prop(props, name)
		if p.Type == "string" {
			p.MinLength = jsonschema.Ptr(1)
			return
		}
		p.Types, p.Type = nil, "array"
		p.MinItems = jsonschema.Ptr(1)
	}
}

// atLeast sets a number's minimum.
func atLeast(name string, min float64) constraint {
	return func(props map[string]*jsonschema.Schema) {
		prop(props, name).Minimum = jsonschema.Ptr(min)
	}
}
