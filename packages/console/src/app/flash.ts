/** Warnings of a connect answer, carried to the integration page it opens (this tab, once). */
let pending: { id: string; warnings: string[] } | null = null;

export function carryWarnings(id: string, warnings: string[]): void {
  pending = { id, warnings };
}

export function takeWarnings(id: string): string[] {
  if (pending?.id !== id) return [];
  const { warnings } = pending;
  pending = null;
  return warnings;
}
