/** One line of JSON per event on stderr: `{"t":…,"level":…,"msg":…,…fields}`. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  (level: Level, msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(min: Level | 'silent' = 'info'): Logger {
  if (min === 'silent') return () => {};
  return (level, msg, fields) => {
    if (ORDER[level] < ORDER[min]) return;
    process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n');
  };
}
