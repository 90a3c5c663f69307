import { describe, expect, it } from 'vitest';
import { isJoinCode, JOIN_CODE_ALPHABET, joinCodeFromBytes, normalizeJoinCode } from '../../shared/joincode.ts';
import { JOIN_CODE_LENGTH } from '../../shared/limits.ts';
import { newJoinCode } from '../../server/tokens.ts';

describe('join codes', () => {
  it('never use letters that read alike (0/O, 1/I)', () => {
    for (const ch of '0O1I') expect(JOIN_CODE_ALPHABET).not.toContain(ch);
    expect(new Set(JOIN_CODE_ALPHABET).size).toBe(JOIN_CODE_ALPHABET.length);
  });

  it('are generated at full length from the alphabet only', () => {
    for (let i = 0; i < 500; i++) {
      const code = newJoinCode();
      expect(code).toHaveLength(JOIN_CODE_LENGTH);
      expect(isJoinCode(code)).toBe(true);
    }
  });

  it('skip bytes that would bias the choice of letter', () => {
    // With a 32-letter alphabet every byte is usable; b % 32 picks the letter.
    const bytes = [0, 31, 32, 255, 64, 1];
    let i = 0;
    expect(joinCodeFromBytes(() => bytes[i++]!)).toBe('A9A9AB');
  });

  it('are read case-insensitively, ignoring spaces and dashes', () => {
    expect(normalizeJoinCode(' abc-23x ')).toBe('ABC23X');
    expect(normalizeJoinCode('abc 23x')).toBe('ABC23X');
    expect(isJoinCode(normalizeJoinCode('abc-23x'))).toBe(true);
  });

  it('reject codes of the wrong length or with ambiguous letters', () => {
    expect(isJoinCode('ABC23')).toBe(false);
    expect(isJoinCode('ABC2345')).toBe(false);
    expect(isJoinCode('ABC0EF')).toBe(false);
    expect(isJoinCode('ABCIEF')).toBe(false);
  });
});
