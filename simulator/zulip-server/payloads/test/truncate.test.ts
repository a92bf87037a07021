/** truncate_content: > 200 Python code points → first 200 + "…" (U+2026). */
import { MAX_PUSH_CONTENT_CODE_POINTS, pushContent, truncateContent } from '../plain-text';

const ELLIPSIS = '\u2026';

describe('truncateContent', () => {
  it('should limit at 200 code points', () => {
    expect(MAX_PUSH_CONTENT_CODE_POINTS).toBe(200);
  });

  it('should keep exactly 200 characters unchanged', () => {
    const s = 'a'.repeat(200);
    expect(truncateContent(s)).toBe(s);
  });

  it('should cut 201 characters to 200 plus a single U+2026', () => {
    const out = truncateContent('b'.repeat(201));
    expect(out).toBe('b'.repeat(200) + ELLIPSIS);
    expect([...out]).toHaveLength(201);
  });

  it('should count an astral character (two UTF-16 units) as one', () => {
    const emoji200 = '\u{1F600}'.repeat(200);
    expect(emoji200).toHaveLength(400);
    expect(truncateContent(emoji200)).toBe(emoji200);
    expect(truncateContent(emoji200 + '\u{1F600}')).toBe(emoji200 + ELLIPSIS);
  });

  it('should never split a surrogate pair at the cut', () => {
    const s = 'x'.repeat(199) + '\u{1F680}\u{1F680}';
    const out = truncateContent(s);
    expect(out).toBe('x'.repeat(199) + '\u{1F680}' + ELLIPSIS);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('should leave the empty string alone', () => {
    expect(truncateContent('')).toBe('');
  });

  it('should truncate the plain text, not the HTML', () => {
    const html = `<p><strong>${'z'.repeat(150)}</strong> ${'y'.repeat(60)}</p>`;
    expect(pushContent(html)).toBe(`${'z'.repeat(150)} ${'y'.repeat(49)}${ELLIPSIS}`);
  });
});
