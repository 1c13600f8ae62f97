import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('gives embedded defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/sb');
    expect(config.dataDir).toBe('/srv/sb/var');
    expect(config.database.url).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
    expect(config.apiPort).toBe(3000);
    expect(config.realtimePort).toBe(3001);
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:3001');
    expect(config.temporal.tls).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: ' ' });
    expect(config.database.url).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
  });

  it.each([
    [{ API_PORT: 'eighty' }, 'API_PORT'],
    [{ REALTIME_PORT: '70000' }, 'REALTIME_PORT'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL'],
    [{ TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS'],
    [{ TEMPORAL_TLS_CERT_PATH: '/c.pem' }, 'TEMPORAL_TLS_KEY_PATH'],
    [{ TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_ADDRESS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid configuration: .*${variable}`));
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ API_PORT: '-1', LOG_LEVEL: 'x' })).toThrow(
      /API_PORT.*LOG_LEVEL|LOG_LEVEL.*API_PORT/,
    );
  });

  it('turns on TLS for Temporal Cloud API keys', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret' });
    expect(config.temporal.apiKey).toBe('secret');
    expect(config.temporal.tls).toEqual({});
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });
});
