import WebSocket from 'ws';

export interface RawResult {
  code: number;
  reason: string;
  /** Frames the server sent before closing. */
  frames: Buffer[];
}

/** Opens a raw socket and resolves with how the server closed it and what it sent first. */
export function openRaw(url: string, onOpen?: (ws: WebSocket) => void): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Buffer[] = [];
    ws.on('message', (data) => frames.push(data as Buffer));
    ws.on('open', () => onOpen?.(ws));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), frames }));
    ws.on('error', (err) => {
      if (ws.readyState === ws.CONNECTING) reject(err);
    });
  });
}

/** A raw socket that stays open; resolves once open. */
export function rawSocket(url: string): Promise<{ ws: WebSocket; frames: Buffer[]; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Buffer[] = [];
    ws.on('message', (data) => frames.push(data as Buffer));
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('error', reject);
  });
}
