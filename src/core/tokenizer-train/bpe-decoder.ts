import { unicodeToByteMap } from './byte-unicode';
import { END_OF_TEXT, END_OF_WORD, START_OF_TEXT } from './bpe-trainer';

/**
 * Turns CLIP token ids back into text: the start and end tokens are dropped, `</w>` becomes a space and
 * the byte symbols are decoded as UTF-8. Pre-tokens come back separated by single spaces, so
 * "tumor, 3 cm" decodes to "tumor , 3 cm".
 */
export function decodeClipTokens(ids: readonly number[], vocab: Record<string, number>): string {
  const symbolById = new Map(Object.entries(vocab).map(([symbol, id]) => [id, symbol]));
  const byteByChar = unicodeToByteMap();

  let spelled = '';
  for (const id of ids) {
    const symbol = symbolById.get(id);
    if (symbol === undefined) throw new Error(`BPE decoder: token id ${id} is not in the vocabulary of ${symbolById.size} symbols.`);
    if (symbol === START_OF_TEXT || symbol === END_OF_TEXT) continue;
    spelled += symbol;
  }

  const words = spelled.split(END_OF_WORD).filter((word) => word.length > 0);
  const decoder = new TextDecoder();
  return words
    .map((word) => {
      const bytes = Array.from(word, (char) => {
        const byte = byteByChar.get(char);
        if (byte === undefined) throw new Error(`BPE decoder: character "${char}" is not part of the byte-level alphabet.`);
        return byte;
      });
      return decoder.decode(new Uint8Array(bytes));
    })
    .join(' ');
}
