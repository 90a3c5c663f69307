import { describe, expect, it } from 'vitest';
import { fitCloseReason, MAX_CLOSE_REASON_BYTES } from '../../server/connection.ts';

describe('fitCloseReason', () => {
  it('keeps a reason that fits a close frame as it is, up to exactly 123 bytes', () => {
    const exact = 'x'.repeat(MAX_CLOSE_REASON_BYTES);
    expect(fitCloseReason(exact)).toBe(exact);
    expect(fitCloseReason('the board is locked')).toBe('the board is locked');
  });

  it('cuts one byte more to 123 bytes, ending in an ellipsis', () => {
    const cut = fitCloseReason('x'.repeat(MAX_CLOSE_REASON_BYTES + 1));
    expect(Buffer.byteLength(cut)).toBe(MAX_CLOSE_REASON_BYTES);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never splits a character', () => {
    for (const ch of ['é', '€', '🙂']) {
      const cut = fitCloseReason(`protocol error: ${ch.repeat(100)}`);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
      expect(cut).not.toContain('\uFFFD');
      expect(Buffer.from(cut).toString()).toBe(cut);
      expect(cut).toMatch(new RegExp(`^protocol error: (${ch})+…$`, 'u'));
    }
  });
});
