/** The minimal tolerant parser: lxml's text/tail model on Zulip-like HTML. */
import { decodeEntities, parseHtmlFragment, textContent } from '../html-fragment';

describe('parseHtmlFragment', () => {
  it('should wrap the fragment in a div and keep text, tails and whitespace like lxml', () => {
    const root = parseHtmlFragment('lead <p>a<b>b</b>c</p>\n<p>d</p> end');
    expect(root.tag).toBe('div');
    expect(root.text).toBe('lead ');
    const [p1, p2] = root.children;
    expect(p1!.text).toBe('a');
    expect(p1!.children[0]!.tail).toBe('c');
    expect(p1!.tail).toBe('\n');
    expect(p2!.tail).toBe(' end');
  });

  it('should treat void elements and self-closing syntax as childless', () => {
    const root = parseHtmlFragment('<p>x<br>y<img alt="i"/>z<br />w</p>');
    const p = root.children[0]!;
    expect(p.children.map((c) => [c.tag, c.tail])).toEqual([['br', 'y'], ['img', 'z'], ['br', 'w']]);
  });

  it('should parse quoted, unquoted and boolean attributes, decoding entities', () => {
    const el = parseHtmlFragment(`<audio controls SRC=/a.mp3 title='a &amp; b' data-x="1"></audio>`).children[0]!;
    expect([...el.attrs]).toEqual([['controls', ''], ['src', '/a.mp3'], ['title', 'a & b'], ['data-x', '1']]);
  });

  it('should close intervening elements on an end tag and ignore stray end tags', () => {
    const root = parseHtmlFragment('<div><p><em>x</div>y</span>z');
    expect(root.children).toHaveLength(1);
    expect(root.children[0]!.tail).toBe('yz');
    expect(textContent(root)).toBe('xyz');
  });

  it('should apply implied end tags for p and li', () => {
    const root = parseHtmlFragment('<p>one<p>two<ul><li>a<li>b</ul>');
    expect(root.children.map((c) => c.tag)).toEqual(['p', 'p', 'ul']);
    expect(root.children[2]!.children.map((c) => c.text)).toEqual(['a', 'b']);
  });

  it('should keep a < that starts no tag, skip comments and normalise CRLF', () => {
    const root = parseHtmlFragment('<p>a < b <!-- hidden --> c\r\nd</p>');
    expect(textContent(root)).toBe('a < b  c\nd');
  });
});

describe('decodeEntities', () => {
  it('should decode named, decimal and hex references and leave unknown ones', () => {
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&nbsp;&eacute;&#39;&#x1F600;&unknown; &amp')).toBe(
      "<>&\"'\u00a0\u00e9'\u{1F600}&unknown; &amp",
    );
  });
});
