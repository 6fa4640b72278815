import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { ClassPairSource, ListPairSource, epochBatches } from '../../../src/core/contrastive/pair-sources';
import { DEFAULT_PROMPT_TEMPLATES, buildZeroShotWeights, fillTemplates, zeroShotClassify } from '../../../src/core/contrastive/zero-shot';
import { SeededRng } from '../../../src/core/rng';

describe('zero-shot classification', () => {
  it('fills every template', () => {
    expect(fillTemplates(['an H&E image of {class}.', '{class}, {class}'], 'squamous cell carcinoma')).toEqual([
      'an H&E image of squamous cell carcinoma.',
      'squamous cell carcinoma, squamous cell carcinoma',
    ]);
    expect(() => fillTemplates(['no placeholder'], 'x')).toThrow(/no \{class\} placeholder/);
    expect(DEFAULT_PROMPT_TEMPLATES[0]).toContain('{class}');
  });

  it('averages normalised template embeddings per class', () => {
    // A fake text encoder: class "a" prompts point along x (one long, one short), class "b" along y and xy.
    const embeddings: Record<string, number[]> = {
      'p a': [10, 0],
      'q a': [0.1, 0],
      'p b': [0, 1],
      'q b': [1, 1],
    };
    const weights = buildZeroShotWeights(['a', 'b'], ['p {class}', 'q {class}'], (texts) => tf.tensor2d(texts.map((text) => embeddings[text])));
    const values = Array.from(weights.dataSync());

    // Class a: both unit vectors are (1, 0). Class b: mean of (0, 1) and (0.707, 0.707), renormalised.
    expect(values[0]).toBeCloseTo(1, 6);
    expect(values[1]).toBeCloseTo(0, 6);
    const bx = Math.SQRT1_2 / 2;
    const by = (1 + Math.SQRT1_2) / 2;
    const norm = Math.hypot(bx, by);
    expect(values[2]).toBeCloseTo(bx / norm, 6);
    expect(values[3]).toBeCloseTo(by / norm, 6);

    const result = zeroShotClassify(tf.tensor2d([[3, 0.2], [0.1, 2], [1, -0.1]]), weights);
    expect(Array.from(result.predictions)).toEqual([0, 1, 0]);
    expect(result.probabilities[0] + result.probabilities[1]).toBeCloseTo(1, 5);
  });
});

describe('pair sources', () => {
  it('pairs by class from the class passages', () => {
    const source = new ClassPairSource(['x', 'y', 'x'], new Map([['x', ['x1', 'x2']], ['y', ['y1']]]));
    const draws = source.pairsFor([0, 1, 2, 0, 2], new SeededRng(1));
    expect(draws.map((draw) => draw.imageIndex)).toEqual([0, 1, 2, 0, 2]);
    expect(draws[1].text).toBe('y1');
    for (const draw of [draws[0], draws[2], draws[3], draws[4]]) expect(['x1', 'x2']).toContain(draw.text);
    expect(() => new ClassPairSource(['z'], new Map())).toThrow(/class "z" has images but no passages/);
  });

  it('keeps list pairs fixed', () => {
    const source = new ListPairSource(['t0', 't1']);
    expect(source.pairsFor([1, 0]).map((draw) => draw.text)).toEqual(['t1', 't0']);
  });

  it('drops the short last batch', () => {
    const batches = epochBatches(10, 4, new SeededRng('epoch'));
    expect(batches.length).toBe(2);
    expect(new Set(batches.flat()).size).toBe(8);
  });
});
