import { describe, expect, it } from 'vitest';

import { decodeText } from '../../../src/core/reports/text-decode';

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const bytes: number[] = [];
  if (bom && bigEndian) bytes.push(0xfe, 0xff);
  if (bom && !bigEndian) bytes.push(0xff, 0xfe);
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (bigEndian) bytes.push(code >> 8, code & 0xff);
    else bytes.push(code & 0xff, code >> 8);
  }
  return new Uint8Array(bytes);
}

describe('text decoding', () => {
  it('UTF-8 with BOM: BOM removed', () => {
    const decoded = decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa9]), 'a.txt');
    expect(decoded).toEqual({ text: 'aé', encoding: 'utf-8', hadBom: true });
  });

  it('UTF-16BE with BOM', () => {
    const decoded = decodeText(utf16('Pleura: négatif', true, true), 'b.txt');
    expect(decoded.encoding).toBe('utf-16be');
    expect(decoded.text).toBe('Pleura: négatif');
  });

  it('UTF-16LE without BOM: detected from zero bytes, with a warning', () => {
    const decoded = decodeText(utf16('No tumour seen in sections.', false, false), 'c.txt');
    expect(decoded.encoding).toBe('utf-16le');
    expect(decoded.text).toBe('No tumour seen in sections.');
    expect(decoded.warning).toContain('c.txt');
  });

  it('invalid UTF-8: Windows-1252 with a warning, 0x80 read as euro sign', () => {
    const decoded = decodeText(new Uint8Array([0x80, 0x20, 0xe9]), 'd.txt');
    expect(decoded.encoding).toBe('windows-1252');
    expect(decoded.text).toBe('€ é');
    expect(decoded.warning).toMatch(/^d\.txt: not valid UTF-8/);
  });

  it('plain ASCII: UTF-8 without warning', () => {
    expect(decodeText(new TextEncoder().encode('pT2 N0'), 'e.txt')).toEqual({ text: 'pT2 N0', encoding: 'utf-8', hadBom: false });
  });
});
