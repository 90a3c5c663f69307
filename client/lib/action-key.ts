/**
 * The `Idempotency-Key` of one user action (README, "Idempotency-Key"). A request the client gave up
 * on (REQUEST_TIMEOUT_MS) may have been answered late, having made a seat, a workshop or a vote:
 * pressing the button again sends the same key, and the server answers with what the first try
 * made instead of making another. An action is its request: the same fields sent again before a
 * try of them succeeded are the same action; other fields, or the same ones after a success
 * (asking the same question again), are a new one, with a new key.
 */
export class ActionKey {
  private pending: { request: string; key: string } | null = null;

  /** The key to send `request` with: the pending one for a retry of it, else a new one. */
  for(request: unknown): string {
    const text = JSON.stringify(request);
    if (this.pending?.request !== text) this.pending = { request: text, key: newIdempotencyKey() };
    return this.pending.key;
  }

  /** The action succeeded: the next press is a new action. */
  done(): void {
    this.pending = null;
  }
}

/**
 * 128 random bits, base64url: 22 characters, within the server's 16 to 128. getRandomValues, not
 * randomUUID, which browsers offer only on https and localhost (a workshop on a venue's LAN is neither).
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
