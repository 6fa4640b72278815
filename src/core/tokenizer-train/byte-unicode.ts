/**
 * Builds the GPT-2 / CLIP byte-to-unicode table. Printable Latin-1 bytes map to themselves and the
 * other 68 bytes to code points from 256 upward. Any UTF-8 byte sequence is thus spelled with
 * printable characters, and a BPE vocabulary never needs an unknown token.
 */
export function byteToUnicodeTable(): string[] {
  const printable = new Set<number>();
  for (let byte = 0x21; byte <= 0x7e; byte++) printable.add(byte);
  for (let byte = 0xa1; byte <= 0xac; byte++) printable.add(byte);
  for (let byte = 0xae; byte <= 0xff; byte++) printable.add(byte);

  const table = new Array<string>(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) table[byte] = printable.has(byte) ? String.fromCharCode(byte) : String.fromCharCode(256 + extra++);
  return table;
}

/** Inverse of `byteToUnicodeTable`: character to byte value. */
export function unicodeToByteMap(): Map<string, number> {
  return new Map(byteToUnicodeTable().map((char, byte) => [char, byte]));
}
