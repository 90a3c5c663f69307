import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, limitEnvName, readConfig } from '../../server/config.ts';
import { LIMITS, MAX_TIMER_MS, type Limits } from '../../shared/limits.ts';

const refusal = (env: NodeJS.ProcessEnv): string => {
  try {
    readConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('readConfig accepted it');
};

describe('readConfig', () => {
  it('names every limit STAGEBOARD_ plus its name in upper snake case', () => {
    expect(limitEnvName('maxMessageBytes')).toBe('STAGEBOARD_MAX_MESSAGE_BYTES');
    expect(limitEnvName('maxUpdateBytesPerSecond')).toBe('STAGEBOARD_MAX_UPDATE_BYTES_PER_SECOND');
    for (const key of Object.keys(LIMITS) as (keyof Limits)[]) {
      expect(readConfig({ [limitEnvName(key)]: '7' }).limits).toEqual({ [key]: 7 });
    }
  });

  it('starts with the defaults from an empty environment', () => {
    expect(readConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: 'data',
      staticDir: 'dist',
      databaseUrl: undefined,
      publicUrl: undefined,
      trustProxy: false,
      allowedOrigins: undefined,
      logLevel: 'info',
      limits: {},
      warnings: [],
    });
  });

  it('refuses an empty limit, which was read as 0 and closed every socket', () => {
    expect(refusal({ STAGEBOARD_MAX_MESSAGES_PER_SECOND: '' })).toBe(
      'STAGEBOARD_MAX_MESSAGES_PER_SECOND must be a positive whole number (default 300), got ""',
    );
  });

  it('refuses 0, which turned Node’s request timeout off', () => {
    expect(refusal({ STAGEBOARD_REQUEST_TIMEOUT_MS: '0' })).toMatch(/^STAGEBOARD_REQUEST_TIMEOUT_MS must be a positive whole number/);
  });

  it('takes 0 for awarenessIntervalMs: every awareness change forwarded at once, no batching', () => {
    expect(readConfig({ STAGEBOARD_AWARENESS_INTERVAL_MS: '0' }).limits).toEqual({ awarenessIntervalMs: 0 });
    expect(refusal({ STAGEBOARD_AWARENESS_INTERVAL_MS: '-1' })).toBe(
      'STAGEBOARD_AWARENESS_INTERVAL_MS must be a whole number (default 50), got "-1"',
    );
  });

  it('refuses fractions, signs, exponents, hex and words', () => {
    for (const bad of ['1.5', '-1', '+5', '1e3', '0x10', 'ten', '10 000', 'Infinity', 'NaN']) {
      expect(refusal({ STAGEBOARD_MAX_TEAMS: bad }), bad).toBe(
        `STAGEBOARD_MAX_TEAMS must be a positive whole number (default 200), got "${bad}"`,
      );
    }
  });

  it('takes 1 and the longest timer Node can run, and refuses a longer one', () => {
    expect(readConfig({ STAGEBOARD_MAX_TEAMS: '1', STAGEBOARD_PING_INTERVAL_MS: String(MAX_TIMER_MS) }).limits).toEqual({
      maxTeams: 1,
      pingIntervalMs: MAX_TIMER_MS,
    });
    expect(refusal({ STAGEBOARD_PING_INTERVAL_MS: String(MAX_TIMER_MS + 1) })).toMatch(
      /^STAGEBOARD_PING_INTERVAL_MS must be at most 2147483647/,
    );
    // Sizes are not timers: a large byte count is fine, an unsafe integer is not.
    expect(readConfig({ STAGEBOARD_MAX_IMPORT_BYTES: String(2 ** 40) }).limits).toEqual({ maxImportBytes: 2 ** 40 });
    expect(refusal({ STAGEBOARD_MAX_IMPORT_BYTES: '9'.repeat(20) })).toMatch(/positive whole number/);
  });

  it('ignores spaces around a number', () => {
    expect(readConfig({ STAGEBOARD_MAX_TEAMS: ' 50 ' }).limits).toEqual({ maxTeams: 50 });
  });

  it('warns about a STAGEBOARD_ variable it does not know, suggesting the nearest name', () => {
    const { limits, warnings } = readConfig({ STAGEBOARD_MAX_MESAGE_BYTES: '2048', STAGEBOARD_COLOUR: 'blue' });
    expect(limits).toEqual({});
    expect(warnings).toEqual([
      'STAGEBOARD_MAX_MESAGE_BYTES is not a Stageboard setting and is ignored (did you mean STAGEBOARD_MAX_MESSAGE_BYTES?)',
      'STAGEBOARD_COLOUR is not a Stageboard setting and is ignored',
    ]);
  });

  it('leaves alone the STAGEBOARD_ variables of the tests and deploy scripts', () => {
    const env = { STAGEBOARD_TEST_DATABASE_URL: 'postgres://x', STAGEBOARD_TEST_HAPROXY: 'haproxy', STAGEBOARD_PG_DIR: '/tmp/pg' };
    expect(readConfig(env).warnings).toEqual([]);
  });

  it('accepts what the benchmarks and the cluster tests set', () => {
    const env = {
      STAGEBOARD_MAX_MESSAGES_PER_SECOND: '1000000',
      STAGEBOARD_MAX_UPDATE_BYTES_PER_SECOND: String(1 << 30),
      STAGEBOARD_MAX_TEAMS: '100000',
      STAGEBOARD_JOIN_FAILURES_PER_WINDOW: '5',
    };
    expect(readConfig(env)).toMatchObject({
      limits: { maxMessagesPerSecond: 1e6, maxUpdateBytesPerSecond: 2 ** 30, maxTeams: 1e5 },
      warnings: [],
    });
  });

  it('refuses a bad PORT, LOG_LEVEL, TRUST_PROXY or PUBLIC_URL, naming it', () => {
    expect(refusal({ PORT: '' })).toBe('PORT must be a port number from 0 to 65535, got ""');
    expect(refusal({ PORT: '65536' })).toMatch(/^PORT /);
    expect(refusal({ PORT: 'http' })).toMatch(/^PORT /);
    expect(refusal({ LOG_LEVEL: 'verbose' })).toBe('LOG_LEVEL must be one of debug, info, warn, error, silent, got "verbose"');
    expect(refusal({ TRUST_PROXY: 'yes' })).toBe('TRUST_PROXY must be 1, true, 0 or false, got "yes"');
    expect(refusal({ PUBLIC_URL: 'board.example.com' })).toMatch(/^PUBLIC_URL must be an http:\/\/ or https:\/\/ address/);
    expect(readConfig({ PORT: '0', LOG_LEVEL: 'silent', TRUST_PROXY: 'true', PUBLIC_URL: 'https://board.example.com' })).toMatchObject({
      port: 0,
      logLevel: 'silent',
      trustProxy: true,
      publicUrl: 'https://board.example.com',
    });
  });
});

describe('server/main.ts', () => {
  it('refuses to start on a bad setting: exit code 2 and one line saying why', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, STAGEBOARD_MAX_MESSAGES_PER_SECOND: '', LOG_LEVEL: 'silent', PORT: '0' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'error',
      msg: 'cannot start: STAGEBOARD_MAX_MESSAGES_PER_SECOND must be a positive whole number (default 300), got ""',
    });
  });
});
