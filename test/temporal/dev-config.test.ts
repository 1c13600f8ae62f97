import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DevConfigError,
  loadDevConfig,
  SQLITE_SEARCH_ATTRIBUTE_LIMITS,
  searchAttributeKeys,
} from '../../src/temporal/dev-config.ts';
import { DEV_CONFIG_PATH, makeTempDir, type TempDir } from './support.ts';

const VALID = [
  'namespace: switchboard',
  'ip: 127.0.0.1',
  'port: 7233',
  'ui: false',
  'uiPort: 8233',
  'dbFile: temporal/temporal.db',
].join('\n');

let tmp: TempDir;
beforeAll(() => {
  tmp = makeTempDir('dev-config');
});
afterAll(() => tmp?.remove());

function writeConfig(name: string, text: string): string {
  const file = path.join(tmp.dir, `${name}.yml`);
  fs.writeFileSync(file, text);
  return file;
}

function loadError(file: string): DevConfigError {
  try {
    loadDevConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(DevConfigError);
    return err as DevConfigError;
  }
  throw new Error(`${file} loaded without an error`);
}

describe('temporal-dev.yml in the repo', () => {
  const config = loadDevConfig(DEV_CONFIG_PATH);

  it('defines the switchboard namespace on loopback with the standard ports', () => {
    expect(config).toMatchObject({ namespace: 'switchboard', ip: '127.0.0.1', port: 7233, uiPort: 8233 });
    expect(path.isAbsolute(config.dbFile)).toBe(false);
  });

  it('declares the call search attributes as Keyword', () => {
    for (const name of ['CallSid', 'CallDirection', 'CallOutcome', 'CustomerPhone', 'CampaignId']) {
      expect(config.searchAttributes[name]).toBe('Keyword');
    }
  });

  it('turns the search attributes into typed SDK keys', () => {
    const keys = searchAttributeKeys(config);
    expect(keys).toContainEqual({ name: 'CallSid', type: 'KEYWORD' });
    expect(keys).toHaveLength(Object.keys(config.searchAttributes).length);
  });

  it('stays within the SQLite search attribute budget', () => {
    const keywordCount = Object.values(config.searchAttributes).filter((t) => t === 'Keyword').length;
    expect(keywordCount).toBeLessThanOrEqual(SQLITE_SEARCH_ATTRIBUTE_LIMITS.Keyword);
  });

  it('runs SQLite in WAL mode with synchronous NORMAL, and activities eagerly', () => {
    expect(config.sqlitePragmas).toEqual({ journal_mode: 'WAL', synchronous: 'NORMAL' });
    expect(config.dynamicConfig['system.enableActivityEagerExecution']).toBe(true);
  });

  it('caps workflow IDs like SQL persistence does', () => {
    expect(config.dynamicConfig['limit.maxIDLength']).toBe(255);
  });
});

describe('loadDevConfig rejects a malformed file with a one-line message naming the problem', () => {
  const keywords = Array.from({ length: 11 }, (_, i) => `  K${i}: Keyword`).join('\n');
  const ints = Array.from({ length: 4 }, (_, i) => `  I${i}: Int`).join('\n');
  it.each([
    ['YAML syntax error', `${VALID}\nsearchAttributes: [oops\n`, /YAML syntax error: .*line \d+, column \d+/],
    ['duplicate key', `${VALID}\nport: 7234\n`, /YAML syntax error: Map keys must be unique/],
    ['unknown key', `${VALID}\nheadless: true\n`, /\(top level\): Unrecognized key: "headless"/],
    ['wrong type', VALID.replace('port: 7233', 'port: "seven"'), /port: .*expected number, received string/],
    ['port out of range', VALID.replace('port: 7233', 'port: 70000'), /port: must be 0\.\.65535/],
    ['not an IP', VALID.replace('127.0.0.1', 'localhost'), /ip: must be an IPv4 address/],
    ['missing key', VALID.replace('dbFile: temporal/temporal.db', ''), /dbFile: is required/],
    [
      'bad search attribute type',
      `${VALID}\nsearchAttributes:\n  CallSid: String\n`,
      /searchAttributes\.CallSid: type must be one of Text, Keyword/,
    ],
    [
      'bad search attribute name',
      `${VALID}\nsearchAttributes:\n  call-sid: Keyword\n`,
      /searchAttributes\.call-sid: .*identifiers/,
    ],
    [
      '11 Keyword attributes',
      `${VALID}\nsearchAttributes:\n${keywords}\n`,
      /searchAttributes: 11 Keyword attributes .*at most 10/,
    ],
    [
      '4 Int attributes',
      `${VALID}\nsearchAttributes:\n${ints}\n`,
      /searchAttributes: 4 Int attributes .*at most 3/,
    ],
    [
      'bad dynamic config key',
      `${VALID}\ndynamicConfig:\n  maxIDLength: 255\n`,
      /dynamicConfig\.maxIDLength: keys look like/,
    ],
    [
      'null dynamic config value',
      `${VALID}\ndynamicConfig:\n  limit.maxIDLength: null\n`,
      /dynamicConfig\["limit\.maxIDLength"\]: must be/,
    ],
    [
      'journal mode that can corrupt the file',
      `${VALID}\nsqlitePragmas:\n  journal_mode: MEMORY\n`,
      /sqlitePragmas\.journal_mode: must be DELETE, TRUNCATE, PERSIST or WAL/,
    ],
    [
      'synchronous OFF',
      `${VALID}\nsqlitePragmas:\n  journal_mode: WAL\n  synchronous: 'OFF'\n`,
      /sqlitePragmas\.synchronous: must be NORMAL, FULL or EXTRA/,
    ],
    [
      'synchronous NORMAL without WAL',
      `${VALID}\nsqlitePragmas:\n  synchronous: NORMAL\n`,
      /sqlitePragmas: synchronous NORMAL needs journal_mode WAL/,
    ],
    [
      'unknown pragma',
      `${VALID}\nsqlitePragmas:\n  cache_size: 2000\n`,
      /sqlitePragmas: Unrecognized key: "cache_size"/,
    ],
    ['empty file', '', /the file is empty/],
    ['not a mapping', '- namespace\n', /\(top level\): .*expected object/],
  ])('%s', (name, text, expected) => {
    const file = writeConfig(name.replaceAll(' ', '-'), text);
    const err = loadError(file);
    expect(err.message).toMatch(expected);
    expect(err.message.startsWith(`${file}: `)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('a missing file', () => {
    const file = path.join(tmp.dir, 'absent.yml');
    expect(loadError(file).message).toBe(`${file}: file not found`);
  });
});
