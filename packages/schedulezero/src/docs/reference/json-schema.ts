/**
 * The part of JSON Schema (draft-07 and 2020-12, as TypeBox emits it) that a configuration
 * reference shows. Every field is optional and read defensively: the schema comes from code
 * or a file, not from a type we control.
 */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchemaOrBoolean>;
  definitions?: Record<string, JsonSchemaOrBoolean>;
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchemaOrBoolean>;
  required?: string[];
  additionalProperties?: JsonSchemaOrBoolean;
  patternProperties?: Record<string, JsonSchemaOrBoolean>;
  propertyNames?: JsonSchemaOrBoolean;
  items?: JsonSchemaOrBoolean | JsonSchemaOrBoolean[];
  prefixItems?: JsonSchemaOrBoolean[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaOrBoolean[];
  oneOf?: JsonSchemaOrBoolean[];
  allOf?: JsonSchemaOrBoolean[];
  default?: unknown;
  deprecated?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
}

/** `true` accepts anything, `false` nothing (2020-12 allows both wherever a schema goes). */
export type JsonSchemaOrBoolean = JsonSchema | boolean;

/**
 * A schema object as plain JSON: TypeBox schemas carry symbol keys and may be frozen; a JSON
 * round trip leaves exactly what a published schema document would hold.
 */
export function plainSchema(schema: object): JsonSchema {
  const plain: unknown = JSON.parse(JSON.stringify(schema));
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new TypeError('a JSON Schema must be an object');
  return plain as JsonSchema;
}

export function asSchema(value: JsonSchemaOrBoolean | undefined): JsonSchema {
  if (value === undefined || value === true) return {};
  // `false` matches nothing: `not: {}` would say so, but nothing here renders `not`.
  if (value === false) return { type: [] };
  return value;
}

/** The JSON types a schema allows by its `type` keyword (empty when it does not say). */
export function typesOf(schema: JsonSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  return Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : [];
}

export function isObjectSchema(schema: JsonSchema): boolean {
  const types = typesOf(schema);
  return types.length === 1 && types[0] === 'object' ? true : types.length === 0 && schema.properties !== undefined;
}

/** A mapping's values: patternProperties, or additionalProperties given as a schema. */
export function mapValues(node: JsonSchema): { name: string | null; value: JsonSchema }[] {
  const out = Object.entries(node.patternProperties ?? {}).map(([name, value]): { name: string | null; value: JsonSchema } => ({ name, value: asSchema(value) }));
  if (typeof node.additionalProperties === 'object') out.push({ name: null, value: node.additionalProperties });
  else if (node.additionalProperties === true && node.properties === undefined) out.push({ name: null, value: {} });
  return out;
}

/** A schema with its `$ref` (and the refs it leads to) replaced by the target, siblings kept. */
export function derefSchema(root: JsonSchema, node: JsonSchema): JsonSchema {
  let current = node;
  for (let depth = 0; current.$ref !== undefined && depth < 32; depth++) {
    const target = lookupRef(root, current.$ref);
    if (target === undefined) return current;
    const { $ref: _ref, ...siblings } = current;
    current = { ...asSchema(target), ...siblings };
  }
  return current;
}

/** `#`, `#/$defs/Name` (any JSON pointer into the document), or a bare `$defs` name. */
export function lookupRef(root: JsonSchema, ref: string): JsonSchemaOrBoolean | undefined {
  if (ref === '#') return root;
  if (ref.startsWith('#/')) {
    let at: unknown = root;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof at !== 'object' || at === null || !(key in at)) return undefined;
      at = (at as Record<string, unknown>)[key];
    }
    return typeof at === 'boolean' || (typeof at === 'object' && at !== null) ? (at as JsonSchemaOrBoolean) : undefined;
  }
  return root.$defs?.[ref] ?? root.definitions?.[ref];
}
