// `npm start`: build the client if needed, then run the server in this process.
import { register } from 'tsx/esm/api';
import { ensureClientBuilt } from './build-client.mjs';

await ensureClientBuilt();
register();
await import('../server/main.ts');
