/**
 * Random ids for teams. crypto.getRandomValues works on plain http too, where
 * crypto.randomUUID does not (a phone opening http://192.168.x.y:8080).
 */
export function randomId(bytes = 9): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(36).padStart(2, '0'))
    .join('')
    .slice(0, bytes * 2);
}
