import { JOIN_CODE_LENGTH } from './limits.ts';

/** Join-code letters: no 0/O or 1/I, so a code read aloud or off a projector is unambiguous. */
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Upper-cases and strips spaces and dashes, so "abc-234" and "ABC234" are the same code. */
export function normalizeJoinCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, '');
}

export function isJoinCode(code: string): boolean {
  if (code.length !== JOIN_CODE_LENGTH) return false;
  for (const ch of code) if (!JOIN_CODE_ALPHABET.includes(ch)) return false;
  return true;
}

/** Builds a code from random bytes; rejection sampling keeps every letter equally likely. */
export function joinCodeFromBytes(next: () => number): string {
  let code = '';
  while (code.length < JOIN_CODE_LENGTH) {
    const b = next();
    // 256 is a multiple of 32, so b % 32 is unbiased; the guard keeps that true if the alphabet changes.
    if (b < 256 - (256 % JOIN_CODE_ALPHABET.length)) code += JOIN_CODE_ALPHABET[b % JOIN_CODE_ALPHABET.length];
  }
  return code;
}
