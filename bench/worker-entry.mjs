// Worker threads on Node 20 do not inherit tsx's loader for their entry file,
// so the entry is plain JavaScript that registers tsx, then loads the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
