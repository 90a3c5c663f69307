import { MessageType, SyncType } from '../shared/messages.ts';
import type { ClientMessage } from './protocol.ts';
import type { Peer, Room } from './room.ts';

type MessageOf<T extends MessageType> = Extract<ClientMessage, { type: T }>;
type Handler<T extends MessageType> = (peer: Peer, room: Room, msg: MessageOf<T>) => void;

/** One handler per message type; the compiler flags a missing one. */
export const HANDLERS: { [T in MessageType]: Handler<T> } = {
  [MessageType.sync]: (peer, room, msg) => {
    if (msg.sync === SyncType.step1) room.answerSync(peer, msg.stateVector);
    else room.receiveUpdate(peer, msg.update, msg.sync === SyncType.step2);
  },
  [MessageType.awareness]: (peer, room, msg) => room.receiveAwareness(peer, msg.update),
  // Permission messages travel from server to client only; a client's is ignored.
  [MessageType.auth]: () => {},
  [MessageType.queryAwareness]: (peer, room) => room.queryAwareness(peer),
};
