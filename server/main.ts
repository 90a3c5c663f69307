import { LIMITS, type Limits } from '../shared/limits.ts';
import { createServer } from './app.ts';
import { createLogger, type Level } from './log.ts';
import { openPgOwnership } from './ownership.ts';
import { openPgStore } from './pg-store.ts';

/**
 * Reads the environment and starts the server. Each limit in shared/limits.ts
 * can be set as STAGEBOARD_<NAME_IN_SNAKE_CASE>, e.g. STAGEBOARD_MAX_MESSAGE_BYTES.
 */
function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const key of Object.keys(LIMITS) as (keyof Limits)[]) {
    const name = 'STAGEBOARD_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
    const raw = env[name];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    out[key] = value;
  }
  return out;
}

const env = process.env;
const log = createLogger((env.LOG_LEVEL as Level | 'silent' | undefined) ?? 'info');
// DATABASE_URL=postgres://… selects PostgreSQL and cluster mode (issue 10): workshops are
// served by whichever process holds their lock. Without it, SQLite under DATA_DIR.
const databaseUrl = env.DATABASE_URL;
const server = createServer({
  ...(databaseUrl
    ? { store: await openPgStore(databaseUrl), ownership: await openPgOwnership(databaseUrl, log, `stageboard:${env.PORT ?? 8080}`) }
    : {}),
  port: Number(env.PORT ?? 8080),
  host: env.HOST ?? '0.0.0.0',
  dataDir: env.DATA_DIR ?? 'data',
  staticDir: env.STATIC_DIR ?? 'dist',
  publicUrl: env.PUBLIC_URL,
  trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
  // Comma-separated origins whose pages may open a WebSocket; unset: the request's own host.
  allowedOrigins: env.ALLOWED_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean),
  limits: limitsFromEnv(env),
  log,
});

const { url } = await server.listen();
log('info', `Stageboard is running on ${url}`, databaseUrl ? { store: 'postgresql' } : { dataDir: env.DATA_DIR ?? 'data' });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    log('info', 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        log('error', 'shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  });
}
