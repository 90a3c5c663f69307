import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const serverPort = Number(process.env.PORT ?? 8080);

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
    include: ['tests/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // What one screen waits for another's news: vitest's default second is a busy CI
    // machine's ordinary delay between two browsers (a poll ends as soon as it holds).
    expect: { poll: { timeout: 5_000 } },
    globalSetup: ['tests/helpers/global-setup.ts'],
    // Browser tests start Chromium; two at a time is what two cores can carry.
    maxWorkers: 2,
  },
});
