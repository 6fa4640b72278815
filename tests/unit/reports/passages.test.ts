import { describe, expect, it } from 'vitest';

import { splitIntoPassages, splitSentences } from '../../../src/core/reports/passages';

describe('passages', () => {
  const report = {
    id: 'R7',
    text: 'Invasive carcinoma is present. Margins are clear.\n\nLymph nodes: 0/12 positive. Stage II.\n\nComment: correlation advised.',
  };

  it('sentence mode packs sentences under the budget', () => {
    const passages = splitIntoPassages(report, { mode: 'sentence', maxTokens: 8 });
    expect(passages.map((passage) => passage.text)).toEqual([
      'Invasive carcinoma is present. Margins are clear.',
      'Lymph nodes: 0/12 positive. Stage II.',
      'Comment: correlation advised.',
    ]);
    expect(passages.map((passage) => [passage.reportId, passage.index])).toEqual([
      ['R7', 0],
      ['R7', 1],
      ['R7', 2],
    ]);
  });

  it('paragraph mode keeps paragraphs together when they fit', () => {
    const passages = splitIntoPassages(report, { mode: 'paragraph', maxTokens: 14 });
    expect(passages.map((passage) => passage.text)).toEqual([
      'Invasive carcinoma is present. Margins are clear.\n\nLymph nodes: 0/12 positive. Stage II.',
      'Comment: correlation advised.',
    ]);
  });

  it('an over-long sentence is cut into word runs', () => {
    const long = { id: 'L', text: Array.from({ length: 25 }, (_value, i) => `w${i}`).join(' ') };
    const passages = splitIntoPassages(long, { mode: 'sentence', maxTokens: 10 });
    expect(passages.map((passage) => passage.text.split(' ').length)).toEqual([10, 10, 5]);
  });

  it('injected token counter is used', () => {
    const countCharacters = (text: string) => text.length;
    const passages = splitIntoPassages(report, { mode: 'sentence', maxTokens: 40, countTokens: countCharacters });
    expect(passages.every((passage) => passage.text.length <= 40)).toBe(true);
    expect(passages.length).toBeGreaterThan(3);
  });

  it('sentence split keeps decimals together', () => {
    expect(splitSentences('Tumour 1.2 cm. Grade 2.')).toEqual(['Tumour 1.2 cm.', 'Grade 2.']);
  });

  it('budget below 1 is rejected', () => {
    expect(() => splitIntoPassages(report, { mode: 'sentence', maxTokens: 0 })).toThrow(RangeError);
  });
});
