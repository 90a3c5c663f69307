import { createHash, randomBytes } from 'node:crypto';
import { joinCodeFromBytes } from '../shared/joincode.ts';

/** 256-bit secrets, URL-safe. Only their hashes are stored. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** Public identifiers: unguessable enough not to enumerate, short enough for a URL. */
export const newId = (prefix = ''): string => prefix + randomBytes(12).toString('base64url');

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

export function newJoinCode(): string {
  const pool = randomBytes(32);
  let i = 0;
  return joinCodeFromBytes(() => (i < pool.length ? pool[i++]! : randomBytes(1)[0]!));
}
