import fs from 'node:fs';
import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';
// Deep path (with .js, as NodeNext needs): the package index does not export the key type.
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes.js';
import { parseDocument } from 'yaml';
import { z } from 'zod';

/** Search attribute type names as the CLI's `--search-attribute KEY=Type` spells them. */
export const SEARCH_ATTRIBUTE_TYPES = [
  'Text',
  'Keyword',
  'Int',
  'Double',
  'Bool',
  'Datetime',
  'KeywordList',
] as const;
export type SearchAttributeTypeName = (typeof SEARCH_ATTRIBUTE_TYPES)[number];

/**
 * Custom search attributes SQLite visibility can hold per namespace: one generated column each
 * (schema/sqlite/v3/visibility/schema.sql in server 1.29.1 and 1.31.2).
 */
export const SQLITE_SEARCH_ATTRIBUTE_LIMITS: Readonly<Record<SearchAttributeTypeName, number>> = {
  Text: 3,
  Keyword: 10,
  Int: 3,
  Double: 3,
  Bool: 3,
  Datetime: 3,
  KeywordList: 3,
};

const SDK_TYPES: Readonly<Record<SearchAttributeTypeName, SearchAttributeType>> = {
  Text: 'TEXT',
  Keyword: 'KEYWORD',
  Int: 'INT',
  Double: 'DOUBLE',
  Bool: 'BOOL',
  Datetime: 'DATETIME',
  KeywordList: 'KEYWORD_LIST',
};

const port = z.number().int().min(0, 'must be 0..65535 (0 = a free port)').max(65535, 'must be 0..65535');
const jsonValue = z.union(
  [z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())],
  { error: 'must be a string, number, boolean, list or map' },
);

const searchAttributes = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'search attribute names must be identifiers'),
    z.enum(SEARCH_ATTRIBUTE_TYPES, { error: `type must be one of ${SEARCH_ATTRIBUTE_TYPES.join(', ')}` }),
  )
  .default({})
  .superRefine((attrs, ctx) => {
    for (const type of SEARCH_ATTRIBUTE_TYPES) {
      const names = Object.keys(attrs).filter((name) => attrs[name] === type);
      const limit = SQLITE_SEARCH_ATTRIBUTE_LIMITS[type];
      if (names.length > limit) {
        ctx.addIssue({
          code: 'custom',
          message: `${names.length} ${type} attributes (${names.join(', ')}); SQLite allows at most ${limit}`,
        });
      }
    }
  });

/**
 * SQLite pragmas the dev server's persistence opens every connection with (`--sqlite-pragma`).
 * Only settings that keep the file consistent after a crash are accepted: journal modes MEMORY
 * and OFF and synchronous=OFF can corrupt it, and synchronous=NORMAL is crash-safe only in WAL
 * mode. (The server passes any other name on to SQLite, which ignores unknown pragmas silently.)
 */
const sqlitePragmas = z
  .strictObject({
    journal_mode: z.enum(['DELETE', 'TRUNCATE', 'PERSIST', 'WAL'], {
      error: 'must be DELETE, TRUNCATE, PERSIST or WAL (MEMORY and OFF can corrupt the file on a crash)',
    }),
    synchronous: z.enum(['NORMAL', 'FULL', 'EXTRA'], {
      error: 'must be NORMAL, FULL or EXTRA (OFF can corrupt the file on power loss)',
    }),
  })
  .partial()
  .default({})
  .refine((p) => p.synchronous !== 'NORMAL' || p.journal_mode === 'WAL', {
    message: 'synchronous NORMAL needs journal_mode WAL (without WAL it can corrupt the file on power loss)',
  });

const devConfigSchema = z.strictObject({
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'must be a namespace name (letters, digits, . _ -)'),
  ip: z.ipv4({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be an IPv4 address') }),
  port,
  ui: z.boolean(),
  uiPort: port,
  dbFile: z.string().trim().min(1, 'must be a file path'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']).default('warn'),
  searchAttributes,
  sqlitePragmas,
  dynamicConfig: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/, 'keys look like area.settingName'),
      jsonValue,
    )
    .default({}),
});

/** The parsed temporal-dev.yml. `port`/`uiPort` 0 mean "pick a free port". */
export type DevServerConfig = z.infer<typeof devConfigSchema>;

export class DevConfigError extends Error {
  override name = 'DevConfigError';
}

/** Reads and validates temporal-dev.yml; every problem becomes a one-line DevConfigError. */
export function loadDevConfig(filePath: string): DevServerConfig {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
    throw new DevConfigError(`${filePath}: ${reason}`);
  }
  return parseDevConfig(text, filePath);
}

/** Validates YAML text; `source` names the file in error messages. */
export function parseDevConfig(text: string, source: string): DevServerConfig {
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) {
    // The first line holds the message and position; the code frame below it is dropped.
    const firstLine = yamlError.message.split('\n')[0]?.replace(/:$/, '') ?? 'invalid YAML';
    throw new DevConfigError(`${source}: YAML syntax error: ${firstLine}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) throw new DevConfigError(`${source}: the file is empty`);
  const parsed = devConfigSchema.safeParse(data, {
    error: (issue) => (issue.input === undefined ? 'is required' : undefined),
  });
  if (!parsed.success) throw new DevConfigError(`${source}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const problems = issues.map((issue) => {
    const field = issue.path.length > 0 ? fieldPath(issue.path) : '(top level)';
    // A bad record key is reported as "Invalid key in record"; its own message is nested.
    const message =
      issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return `${field}: ${message}`;
  });
  return problems.join('; ');
}

/** `dynamicConfig["limit.maxIDLength"]`: keys that contain dots are quoted to stay unambiguous. */
function fieldPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, i) => {
      const text = String(segment);
      if (text.includes('.')) return `[${JSON.stringify(text)}]`;
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}

/** The configured search attributes as typed SDK keys, for registration and workflow code. */
export function searchAttributeKeys(config: DevServerConfig): SearchAttributeKey<SearchAttributeType>[] {
  return Object.entries(config.searchAttributes).map(([name, type]) =>
    defineSearchAttributeKey(name, SDK_TYPES[type]),
  );
}
