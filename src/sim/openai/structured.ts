/**
 * Structured outputs for the SIMULATED OpenAI server: checks a request's `response_format` the way
 * the API does (400 on a malformed one) and builds an answer that satisfies its JSON Schema when
 * the script gives none.
 */

export interface JsonSchemaFormat {
  name: string;
  strict?: boolean;
  schema: Record<string, unknown>;
}

/** The request's json_schema format, `undefined` when it asks for none, or an error message. */
export function jsonSchemaFormat(responseFormat: unknown): JsonSchemaFormat | undefined | string {
  if (responseFormat === undefined || responseFormat === null) return undefined;
  const format = responseFormat as { type?: unknown; json_schema?: Partial<JsonSchemaFormat> };
  if (format.type === 'text' || format.type === 'json_object') return undefined;
  if (format.type !== 'json_schema') return "Invalid value for 'response_format.type'.";
  const spec = format.json_schema;
  if (!spec || typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)) {
    return "Missing or invalid 'response_format.json_schema.name'.";
  }
  if (!spec.schema || typeof spec.schema !== 'object') return "Missing 'response_format.json_schema.schema'.";
  if (spec.strict && (spec.schema as { additionalProperties?: unknown }).additionalProperties !== false) {
    return "Invalid schema for response_format: 'additionalProperties' is required to be supplied and to be false.";
  }
  return spec as JsonSchemaFormat;
}

/**
 * A minimal instance of `schema`: nullable values are null, enums take their first value,
 * strings read "simulated", numbers 0, arrays empty. `overrides` sets values by property name.
 */
export function exampleFromSchema(schema: unknown, overrides: Record<string, unknown> = {}): unknown {
  const s = (schema ?? {}) as {
    type?: string | string[];
    enum?: unknown[];
    properties?: Record<string, unknown>;
  };
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('null')) return null;
  if (s.enum && s.enum.length > 0) return s.enum[0];
  if (types.includes('object') || s.properties) {
    return Object.fromEntries(
      Object.entries(s.properties ?? {}).map(([name, sub]) => [
        name,
        name in overrides ? overrides[name] : exampleFromSchema(sub, overrides),
      ]),
    );
  }
  if (types.includes('array')) return [];
  if (types.includes('string')) return 'simulated';
  if (types.includes('number') || types.includes('integer')) return 0;
  if (types.includes('boolean')) return false;
  return null;
}
