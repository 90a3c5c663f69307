import { ensureClientBuilt } from '../../scripts/build-client.mjs';

/** The browser tests and the static-file tests need the built client; build it once if it is stale. */
export default async function setup() {
  await ensureClientBuilt({ quiet: true });
}
