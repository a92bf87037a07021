/** Deterministic bytes from a seed and a label (SHA-256 in counter mode), for reproducible secrets. */
import crypto from 'node:crypto';

export function seededRandom(seed: number, label: string): (n: number) => Buffer {
  let counter = 0;
  return (n: number) => {
    const chunks: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const block = crypto.createHash('sha256').update(`${label}:${seed}:${counter++}`).digest();
      chunks.push(block);
      have += block.length;
    }
    return Buffer.concat(chunks).subarray(0, n);
  };
}
