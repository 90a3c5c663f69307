// `npm run dev`: the server with restart-on-change, and Vite's hot reload in front of it.
import { spawn } from 'node:child_process';

// Links handed out (join, facilitator, observer) should open Vite's hot-reloading page, not the built one.
const serverEnv = { ...process.env, PUBLIC_URL: process.env.PUBLIC_URL ?? 'http://localhost:5173' };
const children = [
  spawn(process.execPath, ['--import', 'tsx', '--watch', 'server/main.ts'], { stdio: 'inherit', env: serverEnv }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js'], { stdio: 'inherit' }),
];
console.log('Open http://localhost:5173 (Vite, hot reload); the API and WebSocket run on :8080.');
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) c.on('exit', stop);
