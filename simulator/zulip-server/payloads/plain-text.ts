/**
 * Message content as a push notification shows it (server-and-app.md §C.6): Zulip's
 * `get_mobile_push_content(rendered_content)` and `truncate_content(content)`
 * (`zerver/lib/push_notifications.py`, 11.x/12.x), rule for rule on the lxml tree model
 * (html-fragment.ts):
 *
 * * KaTeX (`<span class="katex">`) → `$$<LaTeX from the application/x-tex annotation>$$`
 *   (`change_katex_to_raw_latex`);
 * * Unicode emoji (`class="emoji emoji-1f600"`) → the emoji character(s); `<img>` → its `alt`;
 * * `<ol>` → `"1. item"` lines, counting from `start`, nested lists on their own lines indented
 *   two spaces per level (the list's own tail is dropped, as Zulip's code does);
 * * spoilers → `"<header> (…)\n"` or `"(…)\n"`, hidden content (and the block's tail) dropped;
 * * blockquotes → each non-empty line prefixed `"> "`;
 * * a message mixing top-level quotes / "@user [said](…near/N):" paragraphs with other content
 *   has each run of consecutive quote blocks collapsed to `"[…]"` — with lxml's quirks: the single
 *   `[…]` element is *moved* by each replacement (so with several runs it ends up where the last
 *   run started), a replaced block's tail is lost and a dropped block's tail joins its neighbour;
 * * everything else → its text, its children, then its tail.
 *
 * `truncateContent`: more than 200 Python code points → the first 200 + "…" (U+2026).
 */
import {
  classAttr,
  createElement,
  descendantsOrSelf,
  dropTree,
  findClass,
  parseHtmlFragment,
  replaceElement,
  textContent,
  type HtmlElement,
} from './html-fragment';

export const MAX_PUSH_CONTENT_CODE_POINTS = 200;
/** U+2026 HORIZONTAL ELLIPSIS, as Zulip uses for truncation, spoilers and collapsed quotes. */
export const ELLIPSIS = '\u2026';

export interface MobilePushContentOptions {
  /**
   * `settings.EXTERNAL_HOST` (a port is ignored): absolute message links on this host count as
   * same-server links for the "@user said:" rule. Relative links (`#narrow/…`, what Zulip's
   * markdown renders for its own links) always count.
   */
  externalHost?: string;
}

// --- Python string semantics ----------------------------------------------------------------

/** Python `str.isspace()` characters (differs from JS `trim()`: adds \x1c–\x1f, \x85; no \uFEFF). */
const PY_WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP_RE = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');
/** Python `str.strip()`. */
export const pyStrip = (s: string): string => s.replace(PY_STRIP_RE, '');

/** Python `str.splitlines()` boundaries. */
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python `len(s)`: code points, not UTF-16 units. */
export const pyLen = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

// --- truncate_content ------------------------------------------------------------------------

/** `truncate_content`: > 200 code points → the first 200 code points + "…". */
export function truncateContent(content: string): string {
  if (pyLen(content) <= MAX_PUSH_CONTENT_CODE_POINTS) return content;
  let out = '';
  let n = 0;
  for (const ch of content) {
    if (n === MAX_PUSH_CONTENT_CODE_POINTS) break;
    out += ch;
    n++;
  }
  return out + ELLIPSIS;
}

// --- helpers mirroring Zulip's -----------------------------------------------------------------

/**
 * `hex_codepoint_to_emoji`: "1f937-200d-2640" → the characters. Python would raise on a bad
 * code; here an unparsable one yields null and the element falls back to its text (inferred).
 */
function hexCodepointToEmoji(code: string): string | null {
  let out = '';
  for (const part of code.split('-')) {
    const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)\s*$/.exec(part);
    if (!m) return null;
    const cp = parseInt(m[1]!, 16);
    if (cp > 0x10ffff) return null;
    out += String.fromCodePoint(cp);
  }
  return out;
}

/** Python's `urlsplit(url)` hostname (lower-case, no userinfo/port; null without a netloc) and fragment. */
function splitUrl(url: string): { hostname: string | null; fragment: string } {
  let rest = url.trim().replace(/[\t\n\r]/g, '');
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  if (!rest.startsWith('//')) return { hostname: null, fragment };
  const netloc = rest.slice(2).split(/[/?]/)[0]!;
  let host = netloc.slice(netloc.lastIndexOf('@') + 1);
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']') === -1 ? undefined : host.indexOf(']'));
  else host = host.split(':')[0]!;
  host = host.toLowerCase();
  return { hostname: host === '' ? null : host, fragment };
}

/**
 * `is_same_server_message_link`: on this server (no host, or EXTERNAL_HOST without port) and a
 * fragment `narrow/{channel|dm}/…/near/<digits>` of at least 5 parts.
 */
export function isSameServerMessageLink(url: string, externalHost?: string): boolean {
  const { hostname, fragment } = splitUrl(url);
  const ownHost = externalHost?.split(':')[0]?.toLowerCase();
  if (hostname !== null && hostname !== ownHost) return false;
  const parts = fragment.split('/');
  if (parts.length < 5) return false;
  const endsWithNear = parts[parts.length - 2] === 'near' && /^\p{Nd}+$/u.test(parts[parts.length - 1]!);
  return parts[0] === 'narrow' && (parts[1] === 'channel' || parts[1] === 'dm') && endsWithNear;
}

/**
 * `change_katex_to_raw_latex`: every `<span class="katex">` (exact attribute) becomes a bare
 * `<span>` holding `$$<annotation text>$$`, keeping the tail. A KaTeX span without an
 * application/x-tex annotation (Python: IndexError) is left alone (inferred).
 */
function changeKatexToRawLatex(root: HtmlElement): void {
  const spans = [...descendantsOrSelf(root)].filter((e) => e.tag === 'span' && e.attrs.get('class') === 'katex');
  for (const span of spans) {
    if (!span.parent) continue;
    const annotation = [...descendantsOrSelf(span)].find(
      (e) => e !== span && e.tag === 'annotation' && e.attrs.get('encoding') === 'application/x-tex',
    );
    if (!annotation) continue;
    const latexSpan = createElement('span', `$$${annotation.text}$$`);
    const tail = span.tail;
    replaceElement(span, latexSpan);
    latexSpan.tail = tail;
  }
}

/** "@user [said](…/near/N):" — exactly one user mention, one same-server message link, and ":". */
function isUserSaidParagraph(el: HtmlElement, externalHost: string | undefined): boolean {
  const mentions = findClass(el, 'user-mention');
  if (mentions.length !== 1) return false;
  const links = [...descendantsOrSelf(el)].filter(
    (e) => e.tag === 'a' && e.attrs.has('href') && isSameServerMessageLink(e.attrs.get('href')!, externalHost),
  );
  if (links.length !== 1) return false;
  const remaining = textContent(el)
    .replaceAll(textContent(mentions[0]!), '')
    .replaceAll(textContent(links[0]!), '');
  return pyStrip(remaining) === ':';
}

/** `potentially_collapse_quotes` on the wrapper's top-level elements. */
function potentiallyCollapseQuotes(root: HtmlElement, externalHost: string | undefined): void {
  const children = [...root.children];
  const collapsible = children.map((c) => c.tag === 'blockquote' || isUserSaidParagraph(c, externalHost));
  if (collapsible.every((x) => x) || collapsible.every((x) => !x)) return;
  // One element for all runs, as in Zulip: each replace() moves it (lxml semantics).
  const collapseElement = createElement('p', `[${ELLIPSIS}]`);
  children.forEach((child, index) => {
    if (!collapsible[index]) return;
    if (index > 0 && collapsible[index - 1]) dropTree(child);
    else replaceElement(child, collapseElement);
  });
}

// --- get_mobile_push_content -------------------------------------------------------------------

function getText(el: HtmlElement): string {
  const classes = classAttr(el);
  if (classes.includes('emoji')) {
    const m = /emoji-(\S+)/.exec(classes);
    if (m) {
      const emoji = hexCodepointToEmoji(m[1]!);
      if (emoji !== null) return emoji;
    }
  }
  if (el.tag === 'img') return el.attrs.get('alt') ?? '';
  if (el.tag === 'blockquote') return '';
  return el.text;
}

const formatAsQuote = (quoteText: string): string =>
  quoteText
    .split(PY_LINE_BREAK)
    .filter((line) => line !== '')
    .map((line) => `> ${line}\n`)
    .join('');

function parseStart(start: string | undefined): number {
  if (!start) return 1;
  const m = /^\s*([+-]?\d+)\s*$/.exec(start);
  return m ? parseInt(m[1]!, 10) : 1;
}

function renderOlist(ol: HtmlElement): string {
  let counter = parseStart(ol.attrs.get('start'));
  let nestedLevels = 0;
  for (let a = ol.parent; a; a = a.parent) if (a.tag === 'ol') nestedLevels++;
  const indent = nestedLevels ? '\n' + '  '.repeat(nestedLevels) : '';
  const items: string[] = [];
  for (const li of ol.children) {
    items.push(indent + String(counter) + '. ' + pyStrip(processElement(li)));
    counter++;
  }
  return items.join('\n');
}

function renderSpoiler(el: HtmlElement): string {
  const header = findClass(el, 'spoiler-header')[0];
  const text = header ? pyStrip(processElement(header)) : '';
  return text.length === 0 ? `(${ELLIPSIS})\n` : `${text} (${ELLIPSIS})\n`;
}

function processElement(el: HtmlElement): string {
  if (el.tag === 'ol') return renderOlist(el);
  if (classAttr(el).includes('spoiler-block')) return renderSpoiler(el);
  let subText = '';
  for (const child of el.children) subText += processElement(child);
  if (el.tag === 'blockquote') subText = formatAsQuote(subText);
  return getText(el) + subText + el.tail;
}

/** `get_mobile_push_content(rendered_content)`: rendered message HTML → notification text. */
export function getMobilePushContent(renderedHtml: string, options: MobilePushContentOptions = {}): string {
  const root = parseHtmlFragment(renderedHtml);
  changeKatexToRawLatex(root);
  potentiallyCollapseQuotes(root, options.externalHost);
  return processElement(root);
}

/** `truncate_content(get_mobile_push_content(html))`: what every payload carries as content. */
export const pushContent = (renderedHtml: string, options: MobilePushContentOptions = {}): string =>
  truncateContent(getMobilePushContent(renderedHtml, options));
