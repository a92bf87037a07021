/**
 * The automaton against the obvious algorithm (indexOf for every pattern at every position), on
 * seeded random inputs: small alphabets so patterns overlap, nest and repeat; patterns that are
 * prefixes, suffixes and infixes of each other; duplicates; binary bytes.
 */
import { AhoCorasick, type AcMatch } from '../aho-corasick';

/** mulberry32: a small seeded generator, so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function naive(patterns: Uint8Array[], text: Uint8Array): AcMatch[] {
  const buf = Buffer.from(text);
  const out: AcMatch[] = [];
  patterns.forEach((p, pattern) => {
    for (let i = buf.indexOf(p); i !== -1; i = buf.indexOf(p, i + 1)) out.push({ pattern, start: i, end: i + p.length });
  });
  return out;
}

const sorted = (ms: AcMatch[]) => [...ms].sort((a, b) => a.start - b.start || a.pattern - b.pattern);

function randomBytes(r: () => number, n: number, alphabet: number[]): Uint8Array {
  return Uint8Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]!);
}

describe('AhoCorasick', () => {
  it('should find exactly what a naive search finds (500 seeded random cases)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const r = rng(seed);
      const alphabetSize = 1 + Math.floor(r() * (seed % 5 === 0 ? 256 : 4));
      const alphabet = Array.from({ length: alphabetSize }, (_, i) => (seed % 7 === 0 ? 255 - i : 97 + i));
      const text = randomBytes(r, Math.floor(r() * 400), alphabet);
      const patterns: Uint8Array[] = [];
      const n = 1 + Math.floor(r() * 12);
      for (let i = 0; i < n; i++) {
        const kind = r();
        if (kind < 0.4 && text.length > 0) {
          // A slice of the text: guaranteed to occur.
          const start = Math.floor(r() * text.length);
          const len = 1 + Math.floor(r() * Math.min(12, text.length - start));
          patterns.push(text.slice(start, start + len));
        } else if (kind < 0.55 && patterns.length > 0) {
          // A prefix, suffix or duplicate of an earlier pattern.
          const p = patterns[Math.floor(r() * patterns.length)]!;
          const cut = Math.floor(r() * p.length);
          patterns.push(r() < 0.33 ? p.slice(0, cut + 1) : r() < 0.5 ? p.slice(cut) : p.slice());
        } else {
          patterns.push(randomBytes(r, 1 + Math.floor(r() * 6), alphabet));
        }
      }
      const want = sorted(naive(patterns, text));
      // Every state dense, and (odd seeds) only the first few: both walks must agree with the naive search.
      const ac = new AhoCorasick(patterns, seed % 2 ? { denseBudget: 1 + (seed % 13) } : {});
      expect({ seed, matches: sorted(ac.findAll(text)) }).toEqual({ seed, matches: want });
    }
  });

  it('should report every pattern that ends at the same byte (dictionary-suffix links)', () => {
    const patterns = ['he', 'she', 'his', 'hers', 'e', 'she'].map((s) => Buffer.from(s));
    const text = Buffer.from('ushers');
    expect(sorted(new AhoCorasick(patterns).findAll(text))).toEqual(sorted(naive(patterns, text)));
    expect(new AhoCorasick(patterns).count(text)).toBe(5); // she (twice: a duplicate pattern), he, e, hers
  });

  it('should find patterns in a large buffer with every state dense or most of them sparse', () => {
    const r = rng(42);
    const patterns = Array.from({ length: 2000 }, (_, i) => Buffer.from(`zpgc1q${i}q${Math.floor(r() * 0xffffffff).toString(16).padStart(8, '0')}`));
    const text = Buffer.alloc(1 << 20, 'lorem ipsum dolor sit amet, ');
    const planted = [3, 777, 1999];
    planted.forEach((p, i) => patterns[p]!.copy(text, 1000 + i * 300_000));
    const whole = new AhoCorasick(patterns);
    expect(whole.denseStates).toBe(whole.states);
    // Most states without a goto row: the scan follows failure links below the dense ones.
    const sparse = new AhoCorasick(patterns, { denseBudget: 5_000 });
    expect(sparse.denseStates).toBeLessThan(sparse.states / 50);
    for (const ac of [whole, sparse]) {
      const found = sorted(ac.findAll(text));
      expect(found.map((m) => m.pattern)).toEqual(planted);
      expect(found.map((m) => m.start)).toEqual([1000, 301_000, 601_000]);
    }
  });

  it('should refuse an empty pattern', () => {
    expect(() => new AhoCorasick([Buffer.from('a'), Buffer.alloc(0)])).toThrow(/empty/);
  });

  it('should find nothing in an empty buffer and match with no patterns at all', () => {
    expect(new AhoCorasick([Buffer.from('x')]).findAll(Buffer.alloc(0))).toEqual([]);
    expect(new AhoCorasick([]).findAll(Buffer.from('anything'))).toEqual([]);
  });
});
