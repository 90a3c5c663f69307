import { LIMITS, limitProblem, type Limits } from '../shared/limits.ts';
import type { Level } from './log.ts';

/** A setting start-up cannot use; the message is one line naming the variable and what it takes. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What `server/main.ts` starts the server with, read from the environment. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  staticDir: string;
  databaseUrl?: string;
  publicUrl?: string;
  trustProxy: boolean;
  allowedOrigins?: string[];
  logLevel: Level | 'silent';
  limits: Partial<Limits>;
  /** Worth telling the operator, but no reason to refuse to start: a misspelt STAGEBOARD_ variable. */
  warnings: string[];
}

/** `maxMessageBytes` → `STAGEBOARD_MAX_MESSAGE_BYTES`. */
export const limitEnvName = (key: keyof Limits): string => 'STAGEBOARD_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();

const LIMIT_BY_ENV = new Map((Object.keys(LIMITS) as (keyof Limits)[]).map((k) => [limitEnvName(k), k]));
/** STAGEBOARD_ variables that other tools read (the tests, deploy/dev-postgres.sh), not the server. */
const OTHER_TOOLS = /^STAGEBOARD_(TEST_|PG_DIR$)/;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const SWITCH = new Map([
  ['1', true],
  ['true', true],
  ['0', false],
  ['false', false],
]);

/**
 * Reads the environment (README "Configuration"). A value the server cannot use
 * stops start-up with a ConfigError rather than be read as something else: an
 * empty `STAGEBOARD_MAX_MESSAGES_PER_SECOND=` was 0, which closed every socket.
 */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const limits: Partial<Limits> = {};
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('STAGEBOARD_') || raw === undefined || OTHER_TOOLS.test(name)) continue;
    const key = LIMIT_BY_ENV.get(name);
    if (!key) {
      const near = closest(name, [...LIMIT_BY_ENV.keys()]);
      warnings.push(`${name} is not a Stageboard setting and is ignored${near ? ` (did you mean ${near}?)` : ''}`);
      continue;
    }
    const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    const problem = limitProblem(key, value);
    if (problem) throw new ConfigError(`${name} ${problem} (default ${LIMITS[key]}), got ${JSON.stringify(raw)}`);
    limits[key] = value;
  }

  const port = env.PORT ?? '8080';
  if (!/^\d{1,5}$/.test(port.trim()) || Number(port) > 65535) {
    throw new ConfigError(`PORT must be a port number from 0 to 65535, got ${JSON.stringify(port)}`);
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const trustProxy = env.TRUST_PROXY ? SWITCH.get(env.TRUST_PROXY.trim().toLowerCase()) : false;
  if (trustProxy === undefined) throw new ConfigError(`TRUST_PROXY must be 1, true, 0 or false, got ${JSON.stringify(env.TRUST_PROXY)}`);
  const publicUrl = env.PUBLIC_URL || undefined;
  if (publicUrl !== undefined && !(/^https?:\/\/[^/]/.test(publicUrl) && URL.canParse(publicUrl))) {
    throw new ConfigError(`PUBLIC_URL must be an http:// or https:// address, got ${JSON.stringify(publicUrl)}`);
  }

  return {
    port: Number(port),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || 'data',
    staticDir: env.STATIC_DIR || 'dist',
    databaseUrl: env.DATABASE_URL || undefined,
    publicUrl,
    trustProxy,
    // Comma-separated origins whose pages may open a WebSocket; unset: the request's own host.
    allowedOrigins: env.ALLOWED_ORIGINS?.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    logLevel: logLevel as Config['logLevel'],
    limits,
    warnings,
  };
}

/** The known name a misspelt one was most likely meant to be: at most three edits away. */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
