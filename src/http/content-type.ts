/**
 * Which bodies must parse as JSON (docs/webhooks.md step 4): `application/json` and any structured
 * `application/*+json` (e.g. `application/vnd.github+json`), parameters and case ignored.
 */

/** `type/subtype` lower-cased without parameters, or null when absent or not a media type. */
export function mediaType(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const semi = contentType.indexOf(";");
  const essence = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(essence) ? essence : null;
}

export function isJsonMediaType(type: string | null): boolean {
  if (type === null) return false;
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}
