/**
 * Decodes report file bytes to text: UTF-8, UTF-16LE or UTF-16BE by byte-order
 * mark, with the mark removed. Bytes that are not valid UTF-8 are decoded as
 * Windows-1252 with a warning that names the file, never silently.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  /** True when a byte-order mark was found and removed. */
  hadBom: boolean;
  /** Set when the encoding was guessed or characters were replaced. */
  warning?: string;
}

export function decodeText(bytes: Uint8Array, fileName: string): DecodedText {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return decodeUtf8(bytes.subarray(3), fileName, true);
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return decodeUtf16(bytes.subarray(2), 'utf-16le', fileName, true);
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return decodeUtf16(bytes.subarray(2), 'utf-16be', fileName, true);
  }

  const guessed = guessUtf16WithoutBom(bytes);
  if (guessed !== null) {
    const decoded = decodeUtf16(bytes, guessed, fileName, false);
    decoded.warning ??= `${fileName}: no byte-order mark, but the zero bytes show ${guessed.toUpperCase()}; decoded as ${guessed.toUpperCase()}`;
    return decoded;
  }
  return decodeUtf8(bytes, fileName, false);
}

function decodeUtf8(bytes: Uint8Array, fileName: string, hadBom: boolean): DecodedText {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text, encoding: 'utf-8', hadBom };
  } catch {
    const text = decodeWindows1252(bytes);
    return {
      text,
      encoding: 'windows-1252',
      hadBom,
      warning:
        `${fileName}: not valid UTF-8, decoded as Windows-1252 (Latin-1); check accented characters ` +
        'and re-save the file as UTF-8 if they look wrong',
    };
  }
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be', fileName: string, hadBom: boolean): DecodedText {
  const text = new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
  const result: DecodedText = { text, encoding, hadBom };
  if (bytes.length % 2 === 1 || text.includes('\uFFFD')) {
    result.warning = `${fileName}: ${encoding.toUpperCase()} text contains invalid code units, replaced with U+FFFD`;
  }
  return result;
}

/**
 * Detects BOM-less UTF-16 from zero bytes: ASCII-range text in UTF-16LE has a
 * zero in every odd byte, in UTF-16BE in every even byte. Requires 90% of the
 * first 256 code units to fit the pattern.
 */
function guessUtf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const units = Math.min(256, Math.floor(bytes.length / 2));
  if (units < 2) return null;

  let zeroHigh = 0;
  let zeroLow = 0;
  for (let i = 0; i < units; i++) {
    if (bytes[2 * i] !== 0 && bytes[2 * i + 1] === 0) zeroHigh++;
    if (bytes[2 * i] === 0 && bytes[2 * i + 1] !== 0) zeroLow++;
  }
  if (zeroHigh / units >= 0.9) return 'utf-16le';
  if (zeroLow / units >= 0.9) return 'utf-16be';
  return null;
}

/**
 * Characters of bytes 0x80-0x9F in Windows-1252 (WHATWG Encoding Standard
 * index); the five undefined bytes map to the C1 control of the same value.
 * Decoded here because Node 20's TextDecoder('windows-1252') returns Latin-1
 * (U+0080-U+009F) for these bytes, unlike browsers.
 */
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

/** Decodes Windows-1252. Every byte value maps to one character, so no input is rejected. */
export function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  const chunk = 8192;
  for (let start = 0; start < bytes.length; start += chunk) {
    const codes: number[] = [];
    for (const value of bytes.subarray(start, start + chunk)) {
      codes.push(value >= 0x80 && value <= 0x9f ? WINDOWS_1252_HIGH[value - 0x80] : value);
    }
    text += String.fromCharCode(...codes);
  }
  return text;
}
