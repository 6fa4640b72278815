/**
 * The project's one source of randomness: splits, shuffling, weight
 * initialisation, dropout masks and augmentation all draw from a `SeededRng`,
 * so a run is reproducible from its seed and can resume exactly from a saved
 * state.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * PractRand-clean for 2^40+ outputs), state of four uint32 words.
 */

/** Serialisable generator state: four unsigned 32-bit words. */
export type RngState = [number, number, number, number];

export class SeededRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    const words = seedWords(seed);
    this.a = words[0];
    this.b = words[1];
    this.c = words[2];
    this.d = words[3];

    // The first outputs of sfc32 are weakly mixed, so discard a few.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** Restores a generator from a state saved with `getState()`. */
  static fromState(state: RngState): SeededRng {
    const rng = new SeededRng(0);
    rng.setState(state);
    return rng;
  }

  getState(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w))) {
      throw new Error(`Invalid RNG state ${JSON.stringify(state)}: expected four integers.`);
    }
    [this.a, this.b, this.c, this.d] = state.map((w) => w >>> 0);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new Error(`nextInt: n must be an integer in [1, 2^32], got ${n}.`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal sample (Box-Muller; the second value is discarded to keep the state simple). */
  nextNormal(): number {
    let u = this.nextFloat();
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /**
   * Derives an independent generator for one purpose (for example "split" or
   * "init"), so adding draws to one purpose does not shift the others.
   */
  fork(label: string): SeededRng {
    const mixed = hashString(label);
    return SeededRng.fromState([
      (this.a ^ mixed[0]) >>> 0,
      (this.b ^ mixed[1]) >>> 0,
      (this.c ^ mixed[2]) >>> 0,
      (this.d ^ mixed[3]) >>> 0,
    ]);
  }

  /** Float32Array of normal samples scaled by `std`, for weight initialisation. */
  normalArray(length: number, std = 1): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.nextNormal() * std;
    return out;
  }

  /** Float32Array of uniform samples in [low, high). */
  uniformArray(length: number, low: number, high: number): Float32Array {
    const out = new Float32Array(length);
    const span = high - low;
    for (let i = 0; i < length; i++) out[i] = low + this.nextFloat() * span;
    return out;
  }
}

function seedWords(seed: number | string): RngState {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isFinite(seed)) throw new Error(`Invalid seed ${seed}: expected a finite number.`);
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  return [0x9e3779b9, low, high, 0x85ebca6b ^ low];
}

/** cyrb128: a fast 128-bit string hash, used only to turn labels into seed words. */
function hashString(text: string): RngState {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
