import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ClipBpeTokenizer, loadClipTokenizerFromFiles } from '../../../src/core/clip/bpe-tokenizer';
import { TINY_CLIP_DIR, readModelFiles, readReference } from './tiny-clip-fixture';

const reference = readReference();
const tokenizer = loadClipTokenizerFromFiles(readModelFiles(['vocab.json', 'merges.txt']));

describe('ClipBpeTokenizer', () => {
  it.each(reference.texts.map((text, index) => [index, text] as const))('matches reference ids for text %i', (index, text) => {
    expect(tokenizer.encode(text)).toEqual(reference.input_ids[index]);
  });

  it('truncates to 75 text tokens', () => {
    const longest = reference.input_ids[reference.input_ids.length - 1];
    expect(longest.length).toBe(77);

    const ids = tokenizer.encode('tumor '.repeat(200));
    expect(ids.length).toBe(77);
    expect(ids[0]).toBe(49406);
    expect(ids[76]).toBe(49407);
  });

  it('keeps accents and collapses whitespace', () => {
    expect(tokenizer.encode('  Café \n\t AU   lait ')).toEqual(tokenizer.encode('café au lait'));
    expect(tokenizer.encode('café')).not.toEqual(tokenizer.encode('cafe'));
  });

  it('maps special tokens in text to their ids', () => {
    expect(tokenizer.encode('a <|endoftext|>')).toEqual([49406, tokenizer.encode('a')[1], 49407, 49407]);
  });

  it('builds the same tokenizer from tokenizer.json', () => {
    const vocab = JSON.parse(fs.readFileSync(path.join(TINY_CLIP_DIR, 'vocab.json'), 'utf8'));
    const merges = fs
      .readFileSync(path.join(TINY_CLIP_DIR, 'merges.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#version'));
    const tokenizerJson = JSON.stringify({
      model: { type: 'BPE', vocab, merges: merges.map((line, index) => (index % 2 === 0 ? line : line.split(' '))) },
      added_tokens: [
        { id: 49406, content: '<|startoftext|>' },
        { id: 49407, content: '<|endoftext|>' },
      ],
    });

    const fromJson = ClipBpeTokenizer.fromTokenizerJson(tokenizerJson);
    reference.texts.forEach((text, index) => expect(fromJson.encode(text)).toEqual(reference.input_ids[index]));
  });

  it('rejects a vocabulary without CLIP special tokens', () => {
    expect(() => new ClipBpeTokenizer({ a: 0 }, [])).toThrow(/<\|startoftext\|>/);
  });

  it('reports missing tokenizer files', () => {
    expect(() => loadClipTokenizerFromFiles(new Map())).toThrow(/vocab\.json and merges\.txt/);
  });
});
