// Builds the client into dist/ when the build is missing or older than its sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['client', 'shared', 'vite.config.ts', 'package.json'];
const STAMP = 'dist/index.html';

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

export function clientBuildIsStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((s) => existsSync(s) && newest(s) > built);
}

export async function ensureClientBuilt({ quiet = false } = {}) {
  if (!clientBuildIsStale()) return false;
  if (!quiet) console.log('Building the client (dist/ is missing or older than its sources)…');
  const { build } = await import('vite');
  await build({ configFile: 'vite.config.ts', logLevel: quiet ? 'warn' : 'info' });
  return true;
}
