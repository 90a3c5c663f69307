import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const serverPort = Number(process.env.PORT ?? 8080);
/** An integration test that mocks a server module (vi.mock): it must not share modules with the others. */
const ISOLATED = 'tests/integration/import-abandoned-replay.test.ts';

export default defineConfig({
  root: 'client',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 300,
    rolldownOptions: {
      output: {
        // Yjs and its protocols change less often than our code: a chunk of their own stays cached
        // across releases, and keeps the map's chunk within the size budget above.
        codeSplitting: { groups: [{ name: 'yjs', test: /node_modules[\\/](yjs|lib0|y-protocols|y-websocket)[\\/]/ }] },
      },
    },
  },
  server: {
    // `npm run dev`: Vite serves the client with hot reload; the API and the
    // WebSocket go to the real server running beside it.
    port: 5173,
    proxy: {
      '/api': `http://localhost:${serverPort}`,
      '/ws': { target: `ws://localhost:${serverPort}`, ws: true },
    },
  },
  test: {
    root: '.',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // What one screen waits for another's news: vitest's default second is a busy CI
    // machine's ordinary delay between two browsers (a poll ends as soon as it holds).
    expect: { poll: { timeout: 5_000 } },
    globalSetup: ['tests/helpers/global-setup.ts'],
    // Browser tests start Chromium; two at a time is what two cores can carry.
    maxWorkers: 2,
    projects: [
      // Files that mock modules, globals or timers get a fresh module graph each.
      { extends: true, test: { name: 'isolated', include: ['tests/unit/**/*.test.ts', ISOLATED] } },
      // The rest start real servers and browsers and mock nothing: a worker keeps the modules it has
      // loaded (the server, Yjs, playwright) for its next file instead of loading them again, about
      // a second a file; each file still starts its own server, browser and clients.
      { extends: true, test: { name: 'shared', include: ['tests/{integration,e2e}/**/*.test.ts'], exclude: [ISOLATED], isolate: false } },
    ],
  },
});
