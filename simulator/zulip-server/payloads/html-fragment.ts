/**
 * A small, tolerant HTML fragment parser for the HTML Zulip's markdown processor produces
 * (`Message.rendered_content`), built for `get_mobile_push_content` (plain-text.ts).
 *
 * No HTML parser is installed in this project (no parse5, htmlparser2, cheerio or
 * node-html-parser in node_modules), so this is a minimal one. Its tree follows lxml's model,
 * because Zulip's Python walks lxml trees: every element has `text` (the text before its first
 * child) and `tail` (the text after its end tag, up to its next sibling), and whitespace-only
 * text is kept exactly as written.
 *
 * What it handles: start/end tags (names lower-cased), quoted/unquoted/boolean attributes,
 * void elements (`<br>`, `<img>`, …) and `<br/>`-style self-closing syntax, comments / doctype /
 * processing instructions (skipped), raw-text `<script>`/`<style>`, character references (all
 * 253 HTML 4 named entities libxml2's HTML parser knows, decimal and hex numeric references),
 * CR/CRLF → LF, a `<` that starts no tag (kept as text), end tags that close intervening open
 * elements, stray end tags (ignored), and the common implied end tags (`<p>` closed by a block
 * start, `<li>` by `<li>`, table cells/rows, `<dt>`/`<dd>`, `<option>`). It is not a full HTML5
 * tree builder: no foster parenting, no adoption agency, no implied `<tbody>`.
 */

export interface HtmlElement {
  /** Lower-case tag name. */
  tag: string;
  /** Attributes in source order (names lower-cased; the first of duplicates wins). */
  attrs: Map<string, string>;
  /** Text before the first child (lxml `.text`). */
  text: string;
  /** Text after this element's end, before the next sibling (lxml `.tail`). */
  tail: string;
  children: HtmlElement[];
  parent: HtmlElement | null;
}

export function createElement(tag: string, text = ''): HtmlElement {
  return { tag, attrs: new Map(), text, tail: '', children: [], parent: null };
}

const VOID_ELEMENTS = new Set([
  'area', 'base', 'basefont', 'br', 'col', 'embed', 'frame', 'hr', 'img', 'input', 'isindex',
  'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
const RAW_TEXT_ELEMENTS = new Set(['script', 'style']);
/** Start tags that close an open `<p>` (HTML's "close a p element" rule, block-level subset). */
const CLOSES_P = new Set([
  'address', 'article', 'aside', 'blockquote', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr',
  'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'ul',
]);
/** HTML's "button scope" boundaries for the open `<p>` lookup. */
const P_SCOPE = ['applet', 'button', 'caption', 'marquee', 'object', 'table', 'td', 'template', 'th'];
/** tag → the open tags a new one of this tag closes implicitly (up to a scope boundary). */
const IMPLIED_END: Record<string, { closes: string[]; scope: string[] }> = {
  li: { closes: ['li'], scope: ['ol', 'ul'] },
  dt: { closes: ['dt', 'dd'], scope: ['dl'] },
  dd: { closes: ['dt', 'dd'], scope: ['dl'] },
  td: { closes: ['td', 'th'], scope: ['tr', 'table'] },
  th: { closes: ['td', 'th'], scope: ['tr', 'table'] },
  tr: { closes: ['tr', 'td', 'th'], scope: ['thead', 'tbody', 'tfoot', 'table'] },
  thead: { closes: ['thead', 'tbody', 'tfoot', 'tr', 'td', 'th'], scope: ['table'] },
  tbody: { closes: ['thead', 'tbody', 'tfoot', 'tr', 'td', 'th'], scope: ['table'] },
  tfoot: { closes: ['thead', 'tbody', 'tfoot', 'tr', 'td', 'th'], scope: ['table'] },
  option: { closes: ['option'], scope: ['select', 'datalist'] },
};

// The HTML 4 named character references (libxml2's html40EntitiesTable, which lxml.html uses),
// `name:hex code point`.
const ENTITY_SOURCE =
  'apos:27 OElig:152 oelig:153 Scaron:160 scaron:161 Yuml:178 circ:2c6 tilde:2dc ensp:2002 ' +
  'emsp:2003 thinsp:2009 zwnj:200c zwj:200d lrm:200e rlm:200f ndash:2013 mdash:2014 lsquo:2018 ' +
  'rsquo:2019 sbquo:201a ldquo:201c rdquo:201d bdquo:201e dagger:2020 Dagger:2021 permil:2030 ' +
  'lsaquo:2039 rsaquo:203a euro:20ac fnof:192 Alpha:391 Beta:392 Gamma:393 Delta:394 Epsilon:395 ' +
  'Zeta:396 Eta:397 Theta:398 Iota:399 Kappa:39a Lambda:39b Mu:39c Nu:39d Xi:39e Omicron:39f ' +
  'Pi:3a0 Rho:3a1 Sigma:3a3 Tau:3a4 Upsilon:3a5 Phi:3a6 Chi:3a7 Psi:3a8 Omega:3a9 alpha:3b1 ' +
  'beta:3b2 gamma:3b3 delta:3b4 epsilon:3b5 zeta:3b6 eta:3b7 theta:3b8 iota:3b9 kappa:3ba ' +
  'lambda:3bb mu:3bc nu:3bd xi:3be omicron:3bf pi:3c0 rho:3c1 sigmaf:3c2 sigma:3c3 tau:3c4 ' +
  'upsilon:3c5 phi:3c6 chi:3c7 psi:3c8 omega:3c9 thetasym:3d1 upsih:3d2 piv:3d6 bull:2022 ' +
  'hellip:2026 prime:2032 Prime:2033 oline:203e frasl:2044 weierp:2118 image:2111 real:211c ' +
  'trade:2122 alefsym:2135 larr:2190 uarr:2191 rarr:2192 darr:2193 harr:2194 crarr:21b5 ' +
  'lArr:21d0 uArr:21d1 rArr:21d2 dArr:21d3 hArr:21d4 forall:2200 part:2202 exist:2203 empty:2205 ' +
  'nabla:2207 isin:2208 notin:2209 ni:220b prod:220f sum:2211 minus:2212 lowast:2217 radic:221a ' +
  'prop:221d infin:221e ang:2220 and:2227 or:2228 cap:2229 cup:222a int:222b there4:2234 ' +
  'sim:223c cong:2245 asymp:2248 ne:2260 equiv:2261 le:2264 ge:2265 sub:2282 sup:2283 nsub:2284 ' +
  'sube:2286 supe:2287 oplus:2295 otimes:2297 perp:22a5 sdot:22c5 lceil:2308 rceil:2309 ' +
  'lfloor:230a rfloor:230b lang:2329 rang:232a loz:25ca spades:2660 clubs:2663 hearts:2665 ' +
  'diams:2666 nbsp:a0 iexcl:a1 cent:a2 pound:a3 curren:a4 yen:a5 brvbar:a6 sect:a7 uml:a8 ' +
  'copy:a9 ordf:aa laquo:ab not:ac shy:ad reg:ae macr:af deg:b0 plusmn:b1 sup2:b2 sup3:b3 ' +
  'acute:b4 micro:b5 para:b6 middot:b7 cedil:b8 sup1:b9 ordm:ba raquo:bb frac14:bc frac12:bd ' +
  'frac34:be iquest:bf Agrave:c0 Aacute:c1 Acirc:c2 Atilde:c3 Auml:c4 Aring:c5 AElig:c6 ' +
  'Ccedil:c7 Egrave:c8 Eacute:c9 Ecirc:ca Euml:cb Igrave:cc Iacute:cd Icirc:ce Iuml:cf ETH:d0 ' +
  'Ntilde:d1 Ograve:d2 Oacute:d3 Ocirc:d4 Otilde:d5 Ouml:d6 times:d7 Oslash:d8 Ugrave:d9 ' +
  'Uacute:da Ucirc:db Uuml:dc Yacute:dd THORN:de szlig:df agrave:e0 aacute:e1 acirc:e2 atilde:e3 ' +
  'auml:e4 aring:e5 aelig:e6 ccedil:e7 egrave:e8 eacute:e9 ecirc:ea euml:eb igrave:ec iacute:ed ' +
  'icirc:ee iuml:ef eth:f0 ntilde:f1 ograve:f2 oacute:f3 ocirc:f4 otilde:f5 ouml:f6 divide:f7 ' +
  'oslash:f8 ugrave:f9 uacute:fa ucirc:fb uuml:fc yacute:fd thorn:fe yuml:ff quot:22 amp:26 ' +
  'lt:3c gt:3e';
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map(
  ENTITY_SOURCE.split(' ').map((pair) => {
    const [name, hex] = pair.split(':') as [string, string];
    return [name, String.fromCodePoint(parseInt(hex, 16))];
  }),
);

function codePointOrReplacement(cp: number): string {
  if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD';
  return String.fromCodePoint(cp);
}

/** Decodes character references: `&name;` (HTML 4 names; `;` required), `&#N;`, `&#xH;`. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|([A-Za-z][A-Za-z0-9]*);)/g, (whole, hex, dec, name) => {
    if (hex !== undefined) return codePointOrReplacement(parseInt(hex as string, 16));
    if (dec !== undefined) return codePointOrReplacement(parseInt(dec as string, 10));
    return NAMED_ENTITIES.get(name as string) ?? whole;
  });
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\t' || c === '\f' || c === '\r';
const isTagNameStart = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);

/**
 * Parses `html` as a fragment and returns a `<div>` holding it, like
 * `lxml.html.fragment_fromstring(html, create_parent=True)`.
 */
export function parseHtmlFragment(html: string): HtmlElement {
  const src = html.replace(/\r\n?/g, '\n');
  const root = createElement('div');
  const stack: HtmlElement[] = [root];
  const current = () => stack[stack.length - 1]!;

  const appendText = (raw: string, decode = true) => {
    if (raw === '') return;
    const t = decode ? decodeEntities(raw) : raw;
    const el = current();
    const last = el.children[el.children.length - 1];
    if (last) last.tail += t;
    else el.text += t;
  };
  const popTo = (index: number) => {
    stack.length = index;
  };
  /** Index in the stack of the innermost open `tag` not beyond a scope boundary, or -1. */
  const findOpen = (tags: readonly string[], scope: readonly string[]) => {
    for (let i = stack.length - 1; i > 0; i--) {
      const t = stack[i]!.tag;
      if (tags.includes(t)) return i;
      if (scope.includes(t)) return -1;
    }
    return -1;
  };

  let pos = 0;
  while (pos < src.length) {
    const lt = src.indexOf('<', pos);
    if (lt === -1) {
      appendText(src.slice(pos));
      break;
    }
    appendText(src.slice(pos, lt));
    pos = lt;
    const next = src[pos + 1];

    if (src.startsWith('<!--', pos)) {
      const end = src.indexOf('-->', pos + 4);
      pos = end === -1 ? src.length : end + 3;
      continue;
    }
    if (next === '!' || next === '?') {
      const end = src.indexOf('>', pos);
      pos = end === -1 ? src.length : end + 1;
      continue;
    }
    if (next === '/' && isTagNameStart(src[pos + 2])) {
      let i = pos + 2;
      while (i < src.length && !isSpace(src[i]) && src[i] !== '>' && src[i] !== '/') i++;
      const name = src.slice(pos + 2, i).toLowerCase();
      const end = src.indexOf('>', i);
      pos = end === -1 ? src.length : end + 1;
      const idx = findOpen([name], []);
      if (idx > 0) popTo(idx);
      continue;
    }
    if (!isTagNameStart(next)) {
      appendText('<');
      pos += 1;
      continue;
    }

    // A start tag.
    let i = pos + 1;
    while (i < src.length && !isSpace(src[i]) && src[i] !== '>' && src[i] !== '/') i++;
    const tag = src.slice(pos + 1, i).toLowerCase();
    const attrs = new Map<string, string>();
    let selfClosing = false;
    for (;;) {
      while (i < src.length && isSpace(src[i])) i++;
      if (i >= src.length) break;
      if (src[i] === '>') {
        i++;
        break;
      }
      if (src[i] === '/') {
        if (src[i + 1] === '>') {
          selfClosing = true;
          i += 2;
          break;
        }
        i++;
        continue;
      }
      const nameStart = i;
      while (i < src.length && !isSpace(src[i]) && src[i] !== '=' && src[i] !== '>' && !(src[i] === '/' && src[i + 1] === '>')) i++;
      const attrName = src.slice(nameStart, i).toLowerCase();
      let j = i;
      while (j < src.length && isSpace(src[j])) j++;
      let value = '';
      if (src[j] === '=') {
        j++;
        while (j < src.length && isSpace(src[j])) j++;
        const q = src[j];
        if (q === '"' || q === "'") {
          const close = src.indexOf(q, j + 1);
          const stop = close === -1 ? src.length : close;
          value = src.slice(j + 1, stop);
          i = close === -1 ? src.length : close + 1;
        } else {
          const vStart = j;
          while (j < src.length && !isSpace(src[j]) && src[j] !== '>') j++;
          value = src.slice(vStart, j);
          i = j;
        }
      }
      if (attrName !== '' && !attrs.has(attrName)) attrs.set(attrName, decodeEntities(value));
    }
    pos = i;

    // Implied end tags.
    if (CLOSES_P.has(tag)) {
      const p = findOpen(['p'], P_SCOPE);
      if (p > 0) popTo(p);
    }
    const implied = IMPLIED_END[tag];
    if (implied) {
      const open = findOpen(implied.closes, implied.scope);
      if (open > 0) popTo(open);
    }

    const el = createElement(tag);
    el.attrs = attrs;
    el.parent = current();
    current().children.push(el);
    if (VOID_ELEMENTS.has(tag) || selfClosing) continue;

    if (RAW_TEXT_ELEMENTS.has(tag)) {
      const closeRe = new RegExp(`</${tag}(?=[\\s/>])`, 'i');
      const rest = src.slice(pos);
      const m = closeRe.exec(rest);
      const bodyEnd = m ? pos + m.index : src.length;
      el.text = src.slice(pos, bodyEnd);
      const gt = m ? src.indexOf('>', bodyEnd) : -1;
      pos = m ? (gt === -1 ? src.length : gt + 1) : src.length;
      continue;
    }
    stack.push(el);
  }
  return root;
}

// --- lxml-like helpers ---------------------------------------------------------------------

/** lxml `text_content()`: all text inside, descendants' tails included, own tail excluded. */
export function textContent(el: HtmlElement): string {
  let s = el.text;
  for (const child of el.children) s += textContent(child) + child.tail;
  return s;
}

/** The class attribute as written, or '' (Python's `elem.get("class", "")`). */
export const classAttr = (el: HtmlElement): string => el.attrs.get('class') ?? '';

const XML_SPACE = /[ \t\r\n]+/;
/** True when `el`'s class list holds `name` (lxml `find_class` token match). */
export function hasClassToken(el: HtmlElement, name: string): boolean {
  return classAttr(el).split(XML_SPACE).includes(name);
}

/** Descendant-or-self elements in document order. */
export function* descendantsOrSelf(el: HtmlElement): Generator<HtmlElement> {
  yield el;
  for (const child of el.children) yield* descendantsOrSelf(child);
}

/** lxml `find_class`: descendant-or-self elements with the class token, document order. */
export function findClass(el: HtmlElement, name: string): HtmlElement[] {
  return [...descendantsOrSelf(el)].filter((e) => hasClassToken(e, name));
}

/**
 * lxml `parent.replace(old, new)`: `new` leaves its current place (taking its tail with it) and
 * takes `old`'s place; `old` leaves with its own tail.
 */
export function replaceElement(oldEl: HtmlElement, newEl: HtmlElement): void {
  const parent = oldEl.parent;
  if (!parent) throw new Error('replaceElement: element has no parent');
  if (newEl.parent) {
    const siblings = newEl.parent.children;
    siblings.splice(siblings.indexOf(newEl), 1);
  }
  const idx = parent.children.indexOf(oldEl);
  parent.children.splice(idx, 1, newEl);
  newEl.parent = parent;
  oldEl.parent = null;
}

/** lxml.html `drop_tree()`: removes the element and its content; its tail joins the previous sibling's tail (or the parent's text). */
export function dropTree(el: HtmlElement): void {
  const parent = el.parent;
  if (!parent) throw new Error('dropTree: element has no parent');
  const idx = parent.children.indexOf(el);
  if (el.tail) {
    const previous = idx > 0 ? parent.children[idx - 1]! : null;
    if (previous) previous.tail += el.tail;
    else parent.text += el.tail;
  }
  parent.children.splice(idx, 1);
  el.parent = null;
}
