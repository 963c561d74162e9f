/** A sequence-number position, as the single-process logs (memory, SQLite) hand them out. */
export function parsePosition(position: string): number | undefined {
  return /^(0|[1-9]\d{0,15})$/.test(position) && Number.isSafeInteger(+position) ? +position : undefined;
}
