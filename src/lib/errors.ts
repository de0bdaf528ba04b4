/**
 * The base of every error reef raises on purpose. `code` is stable so callers
 * and tests branch on it rather than on message text; `details` carries the
 * values a person needs to act (field path, peer, node, byte offset).
 */
export class ReefError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}
