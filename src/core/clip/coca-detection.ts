/** Raised for CoCa-family checkpoints such as CONCH, whose text decoder and attentional pooler have no CLIP equivalent. */
export class UnsupportedCocaError extends Error {
  constructor(source: string, evidence: string) {
    super(`${source}: CONCH (CoCa architecture) is not supported yet (found ${evidence}). Use a CLIP checkpoint such as PLIP, QuiltNet or OpenAI CLIP.`);
    this.name = 'UnsupportedCocaError';
  }
}

const COCA_MARKERS = ['coca', 'text_decoder', 'attn_pool', 'attentional_pool', 'multimodal_cfg'];

/** Throws UnsupportedCocaError if any key or string value in `json` names a CoCa component. */
export function assertNotCocaConfig(json: unknown, source: string): void {
  const found = findCocaMarker(json);
  if (found) throw new UnsupportedCocaError(source, `"${found}"`);
}

/** Throws UnsupportedCocaError if any tensor name belongs to a CoCa component. */
export function assertNotCocaTensorNames(names: Iterable<string>, source: string): void {
  for (const name of names) {
    const lower = name.toLowerCase();
    if (COCA_MARKERS.some((marker) => lower.includes(marker))) throw new UnsupportedCocaError(source, `tensor "${name}"`);
  }
}

function findCocaMarker(value: unknown): string | null {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    return COCA_MARKERS.some((marker) => lower.includes(marker)) ? value : null;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findCocaMarker(item);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const lower = key.toLowerCase();
      if (COCA_MARKERS.some((marker) => lower.includes(marker))) return key;
      const found = findCocaMarker(item);
      if (found) return found;
    }
  }
  return null;
}
