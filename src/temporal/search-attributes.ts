import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
// Deep path (with .js, as NodeNext needs): the package index exports neither of these.
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes.js';
import type { Logger } from '../logger.ts';

export class SearchAttributeError extends Error {
  override name = 'SearchAttributeError';
}

/**
 * Makes sure every key exists in the namespace with the right type, adding the missing ones.
 * Needed for the dev server because `--search-attribute` only takes effect when the namespace is
 * first created in its db file, and usable against any self-hosted cluster. Temporal Cloud refuses
 * operator calls (attributes are managed in its console); that surfaces as a SearchAttributeError.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
  logger: Logger,
): Promise<{ added: string[] }> {
  const listed = await connection.operatorService
    .listSearchAttributes({ namespace })
    .catch((err: unknown) => {
      throw new SearchAttributeError(
        `could not list search attributes of namespace ${namespace}: ${errorMessage(err)}`,
      );
    });
  const custom = listed.customAttributes ?? {};
  const system = listed.systemAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const key of keys) {
    const wanted = indexedType(key.type);
    const existing = custom[key.name];
    if (key.name in system) {
      throw new SearchAttributeError(`search attribute ${key.name} is a system attribute; rename it`);
    }
    if (existing === undefined || existing === null) {
      missing[key.name] = wanted;
    } else if (existing !== wanted) {
      throw new SearchAttributeError(
        `search attribute ${key.name} exists in namespace ${namespace} as ${typeName(existing)}, ` +
          `but ${key.type} is configured; a type cannot be changed in place`,
      );
    }
  }
  const added = Object.keys(missing);
  if (added.length === 0) return { added };
  await connection.operatorService
    .addSearchAttributes({ namespace, searchAttributes: missing })
    .catch((err: unknown) => {
      throw new SearchAttributeError(
        `could not add search attributes ${added.join(', ')} to namespace ${namespace}: ${errorMessage(err)}`,
      );
    });
  logger.info({ namespace, added }, 'registered missing search attributes');
  return { added };
}

function indexedType(type: SearchAttributeType): number {
  const encoded = encodeSearchAttributeIndexedValueType(type);
  if (encoded === undefined) throw new SearchAttributeError(`unknown search attribute type ${type}`);
  return encoded;
}

function typeName(indexed: number): string {
  const match = Object.values(SearchAttributeType).find((type) => indexedType(type) === indexed);
  return match ?? `type #${indexed}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
