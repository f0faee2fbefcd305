/** Turns the YAML's schemas into standard JSON Schema (2020-12), the form Ajv and OpenAPI 3.1 read. */
import { type Model, type Operation, resolve, type Schema } from './model';

export type JsonSchema = Record<string, unknown>;

/**
 * Rewrites `$ref: Name` to `${refPrefix}Name` and `nullable: true` to a union with null.
 * Works on a copy; the Model is left untouched.
 */
export function toJsonSchema(schema: Schema, refPrefix: string): JsonSchema {
  const { nullable, $ref, properties, items, additionalProperties, propertyNames, ...rest } = schema;
  const out: JsonSchema = { ...rest };
  if (properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => [name, toJsonSchema(property, refPrefix)]),
    );
  }
  if (items) out.items = toJsonSchema(items, refPrefix);
  if (additionalProperties !== undefined) {
    out.additionalProperties =
      typeof additionalProperties === 'object' ? toJsonSchema(additionalProperties, refPrefix) : additionalProperties;
  }
  if (propertyNames) out.propertyNames = toJsonSchema(propertyNames, refPrefix);
  if ($ref !== undefined) out.$ref = `${refPrefix}${$ref}`;
  if (!nullable) return out;
  if ($ref !== undefined) {
    const { $ref: ref, ...others } = out;
    return { ...others, anyOf: [{ $ref: ref }, { type: 'null' }] };
  }
  return { ...out, type: [out.type, 'null'], ...(schema.enum ? { enum: [...schema.enum, null] } : {}) };
}

/** A query or path parameter, inlined so that its `default` applies (Ajv ignores defaults behind $ref). */
export function parameterSchema(model: Model, schema: Schema): JsonSchema {
  const { description } = schema;
  const resolved = toJsonSchema(resolve(model, schema), '');
  return description ? { ...resolved, description } : resolved;
}

export function pathParameterSchemas(model: Model, operation: Operation): Record<string, JsonSchema> {
  return Object.fromEntries(
    operation.pathParams.map((name) => [name, parameterSchema(model, model.parameters[name] as Schema)]),
  );
}

/** The schemas a request part must match: the body, the query string, the path parameters. */
export function requestPartSchemas(
  model: Model,
  operation: Operation,
  refPrefix: string,
): { body: JsonSchema; query: JsonSchema; path: JsonSchema } {
  const query = Object.fromEntries(
    Object.entries(operation.query).map(([name, schema]) => [name, parameterSchema(model, schema)]),
  );
  const path = pathParameterSchemas(model, operation);
  const closedObject = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  });
  return {
    body: operation.body ? { $ref: `${refPrefix}${operation.body}` } : closedObject({}, []),
    query: closedObject(query, []),
    path: closedObject(path, Object.keys(path)),
  };
}
