/** What an If-Match header asks for: nothing, any current version (`*`), or one version. */
export type VersionCondition =
  | { readonly kind: 'none' }
  | { readonly kind: 'any' }
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'invalid' };

/** Our ETags are strong, `"<version>"`; one such tag or `*` is understood, anything else is invalid. */
export function parseIfMatch(header: string | undefined): VersionCondition {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  if (header.trim() === '*') return { kind: 'any' };
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  return match ? { kind: 'version', version: Number(match[1]) } : { kind: 'invalid' };
}
