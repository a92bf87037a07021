/** STUB — replaced by the message → push pipeline. */
import type { ZulipServerContext } from '../context';
import type { Message } from '../types';

export type MessageTarget =
  | { type: 'direct'; userIds: number[] }
  | { type: 'channel'; channel: number | string; topic: string };

export interface SendMessageInput {
  senderId: number;
  to: MessageTarget;
  /** Markdown, as a client sends it. */
  content: string;
}

/** do_send_messages: stores the message and enqueues the pushes of everyone it notifies. */
export async function sendMessage(_ctx: ZulipServerContext, _input: SendMessageInput): Promise<Message> {
  throw new Error('not implemented');
}

/** Messages marked read by `userId`: remove pushes for those that had a notification. */
export function markAsRead(_ctx: ZulipServerContext, _userId: number, _messageIds: number[]): void {
  throw new Error('not implemented');
}
