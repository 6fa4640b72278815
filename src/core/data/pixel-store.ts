import * as tf from '@tensorflow/tfjs-core';

/**
 * Decoded images at one model input size, kept as RGB uint8 on the CPU side
 * (a 64 px tile costs 12 KB, so 20,000 tiles fit in 250 MB) and turned into
 * float batches only when a step needs them.
 */
export class PixelStore {
  readonly pixelsPerImage: number;
  private readonly data: Uint8Array;
  private readonly filled: Uint8Array;

  constructor(
    readonly count: number,
    readonly size: number,
  ) {
    this.pixelsPerImage = size * size * 3;
    this.data = new Uint8Array(count * this.pixelsPerImage);
    this.filled = new Uint8Array(count);
  }

  /** Stores image `index` from RGB uint8 data of exactly size x size x 3 values. */
  set(index: number, rgb: Uint8Array | Uint8ClampedArray): void {
    if (rgb.length !== this.pixelsPerImage) {
      throw new Error(`Image ${index} has ${rgb.length} values, expected ${this.pixelsPerImage} (${this.size}x${this.size}x3).`);
    }
    this.data.set(rgb, index * this.pixelsPerImage);
    this.filled[index] = 1;
  }

  has(index: number): boolean {
    return this.filled[index] === 1;
  }

  get(index: number): Uint8Array {
    return this.data.subarray(index * this.pixelsPerImage, (index + 1) * this.pixelsPerImage);
  }

  /** NHWC float32 batch in [0, 1]; one upload per batch. */
  batch(indices: readonly number[]): tf.Tensor4D {
    const out = new Float32Array(indices.length * this.pixelsPerImage);
    indices.forEach((index, row) => {
      if (!this.has(index)) throw new Error(`Image ${index} was not decoded before training.`);
      const source = this.get(index);
      const offset = row * this.pixelsPerImage;
      for (let i = 0; i < source.length; i++) out[offset + i] = source[i] / 255;
    });
    return tf.tensor4d(out, [indices.length, this.size, this.size, 3]);
  }
}
