import { createServer, type StageboardServer } from './app.ts';
import { ConfigError, readConfig, type Config } from './config.ts';
import { DataDirInUseError, recordOwnerPort } from './data-dir-lock.ts';
import { createLogger } from './log.ts';
import { openPgOwnership } from './ownership.ts';
import { openPgStore } from './pg-store.ts';
import { sqliteFile } from './sqlite-store.ts';
import { warmUp } from './warm-up.ts';

/**
 * Reads the environment (server/config.ts, README "Configuration") and starts
 * the server. Each limit in shared/limits.ts can be set as
 * STAGEBOARD_<NAME_IN_SNAKE_CASE>, e.g. STAGEBOARD_MAX_MESSAGE_BYTES.
 */
let config: Config;
try {
  config = readConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // Whatever LOG_LEVEL says (it may be the bad value): a server that will not start says why.
  createLogger('info')('error', `cannot start: ${err.message}`);
  process.exit(2);
}
const log = createLogger(config.logLevel);
for (const warning of config.warnings) log('warn', warning);
// DATABASE_URL=postgres://… selects PostgreSQL and cluster mode (issue 10): workshops are
// served by whichever process holds their lock. Without it, SQLite under DATA_DIR.
const { databaseUrl } = config;
const clustered = databaseUrl
  ? {
      store: await openPgStore(databaseUrl, { limits: config.limits }),
      ownership: await openPgOwnership(databaseUrl, log, `stageboard:${config.port}`, {
        connectMs: config.limits.pgConnectTimeoutMs,
        queryMs: config.limits.pgQueryTimeoutMs,
      }),
    }
  : {};
let server: StageboardServer;
try {
  server = createServer({
    ...clustered,
    port: config.port,
    host: config.host,
    dataDir: config.dataDir,
    staticDir: config.staticDir,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    allowedOrigins: config.allowedOrigins,
    limits: config.limits,
    log,
  });
} catch (err) {
  if (!(err instanceof DataDirInUseError)) throw err;
  // Another process serves this DATA_DIR (server/data-dir-lock.ts); it is left as it is.
  createLogger('info')('error', `cannot start: ${err.message}`);
  process.exit(3);
}

// Before the first socket: the first workshop loaded after a restart should not pay for V8's warm-up.
const warmUpMs = warmUp();
const { url, port } = await server.listen();
if (!databaseUrl) recordOwnerPort(sqliteFile(config.dataDir), port);
log('info', `Stageboard is running on ${url}`, {
  ...(databaseUrl ? { store: 'postgresql' } : { dataDir: config.dataDir }),
  warmUpMs: Math.round(warmUpMs),
});

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
