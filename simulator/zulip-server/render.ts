/**
 * A small Markdown renderer standing in for Zulip's: enough to give messages a realistic
 * `rendered_content` (paragraphs, emphasis, code, quotes, mentions) for the push-content
 * conversion, and to find who a message mentions.
 *
 * Mentions, as Zulip's syntax: `@**Full Name**` (user), `@**Full Name|id**`, `@*group*`
 * (user group), and the wildcards `@**all**`, `@**everyone**`, `@**channel**`, `@**stream**`
 * (channel-wide) and `@**topic**`. Silent mentions (`@_**Name**`) render but notify nobody.
 */
import type { User } from './types';

export const CHANNEL_WILDCARDS = new Set(['all', 'everyone', 'channel', 'stream']);
export const TOPIC_WILDCARD = 'topic';

export interface Mentions {
  userIds: Set<number>;
  groupNames: Set<string>;
  channelWildcard: boolean;
  topicWildcard: boolean;
}

export interface RenderResult {
  html: string;
  mentions: Mentions;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

const MENTION = /@(_?)\*\*([^*|]+?)(?:\|(\d+))?\*\*|@(_?)\*([^*]+?)\*/g;

/** Renders `markdown`; `users` are the realm's users, for resolving mentions by name or id. */
export function renderMessage(markdown: string, users: readonly User[]): RenderResult {
  const mentions: Mentions = { userIds: new Set(), groupNames: new Set(), channelWildcard: false, topicWildcard: false };
  const byName = new Map(users.map((u) => [u.fullName.toLowerCase(), u]));
  const byId = new Map(users.map((u) => [u.id, u]));

  const inline = (text: string): string => {
    let out = '';
    let last = 0;
    for (const m of text.matchAll(MENTION)) {
      out += emphasis(escapeHtml(text.slice(last, m.index)));
      last = m.index! + m[0].length;
      const silent = (m[1] ?? m[4]) === '_';
      if (m[2] !== undefined) {
        const name = m[2].trim();
        const lower = name.toLowerCase();
        const cls = silent ? 'user-mention silent' : 'user-mention';
        if (CHANNEL_WILDCARDS.has(lower) || lower === TOPIC_WILDCARD) {
          const topic = lower === TOPIC_WILDCARD;
          if (!silent) mentions[topic ? 'topicWildcard' : 'channelWildcard'] = true;
          out += `<span class="${topic ? 'topic-mention' : `${cls} channel-wildcard-mention`}" data-user-id="*">@${escapeHtml(name)}</span>`;
          continue;
        }
        const user = m[3] !== undefined ? byId.get(Number(m[3])) : byName.get(lower);
        if (!user) {
          out += escapeHtml(m[0]);
          continue;
        }
        if (!silent) mentions.userIds.add(user.id);
        out += `<span class="${cls}" data-user-id="${user.id}">@${escapeHtml(user.fullName)}</span>`;
      } else {
        const group = m[5]!.trim();
        if (!silent) mentions.groupNames.add(group);
        out += `<span class="user-group-mention${silent ? ' silent' : ''}" data-user-group-id="0">@${escapeHtml(group)}</span>`;
      }
    }
    return out + emphasis(escapeHtml(text.slice(last)));
  };

  const blocks = markdown.replace(/\r\n/g, '\n').split(/\n{2,}/).filter((b) => b.trim() !== '');
  const html = blocks
    .map((block) => {
      const fence = /^```\w*\n([\s\S]*?)\n?```$/.exec(block.trim());
      if (fence) return `<div class="codehilite"><pre><span></span><code>${escapeHtml(fence[1]!)}\n</code></pre></div>`;
      const lines = block.split('\n');
      if (lines.every((l) => l.startsWith('>'))) {
        const inner = lines.map((l) => l.replace(/^>\s?/, '')).join('\n');
        return `<blockquote>\n<p>${inline(inner).replace(/\n/g, '<br>\n')}</p>\n</blockquote>`;
      }
      return `<p>${inline(block).replace(/\n/g, '<br>\n')}</p>`;
    })
    .join('\n');
  return { html, mentions };
}

/** **bold**, *italic*, `code` on already-escaped text. */
function emphasis(escaped: string): string {
  return escaped
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>');
}
