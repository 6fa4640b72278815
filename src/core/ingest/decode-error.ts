/**
 * Error type that decoders (core and platform) throw to say why pixels could
 * not be read; `decodeImageFile` turns it into an import reason.
 */

export type DecodeFailureKind = 'unsupported-encoding' | 'truncated' | 'corrupt';

export class ImageDecodeError extends Error {
  readonly kind: DecodeFailureKind;

  constructor(kind: DecodeFailureKind, message: string) {
    super(message);
    this.name = 'ImageDecodeError';
    this.kind = kind;
  }
}
