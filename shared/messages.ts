/**
 * Top-level message types of the y-websocket protocol (the first varuint of
 * every binary frame). Sync sub-messages are y-protocols' own (step 1, step 2,
 * update); auth carries "permission denied" with a reason.
 */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
} as const;

export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const SyncType = { step1: 0, step2: 1, update: 2 } as const;
