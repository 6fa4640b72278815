/** Line colours for per-class curves, distinguishable for common colour-vision deficiencies (Okabe-Ito palette). */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442', '#000000'];

export function classColour(classIndex: number): string {
  return PALETTE[classIndex % PALETTE.length];
}
